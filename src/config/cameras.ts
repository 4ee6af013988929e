// The cameras a config describes, as the rest of camstream sees them: a list in
// index order, each with its effective settings. The single `camera` form is one
// camera named "default" at index 0, so code never special-cases it.
import type { Config } from './schema';

export interface CameraEntry {
  /** 'default' for the single-camera form. */
  name: string;
  /** 0-based position (order of the `cameras` keys); ?action=stream_N. */
  index: number;
  /** Effective camera section: the top-level camera defaults with the entry's keys over them. */
  camera: Config['camera'];
  /** Effective per-camera stream limits (default: stream.maxClients / stream.maxFps). */
  limits: { maxClients: number; maxFps: number };
}

export const DEFAULT_CAMERA_NAME = 'default';

/** Never empty. */
export function camerasOf(config: Readonly<Config>): CameraEntry[] {
  const named = Object.entries(config.cameras ?? {});
  if (named.length === 0) {
    return [{ name: DEFAULT_CAMERA_NAME, index: 0, camera: config.camera, limits: { maxClients: config.stream.maxClients, maxFps: config.stream.maxFps } }];
  }
  return named.map(([name, settings], index) => {
    const { stream, ...camera } = settings;
    return { name, index, camera, limits: { maxClients: stream.maxClients, maxFps: stream.maxFps } };
  });
}

/** The limits of the process-wide StreamBudget: stream.maxClientsTotal, 0 meaning stream.maxClients. */
export function budgetLimitsOf(config: Readonly<Config>): { maxClientsTotal: number; maxClientsPerIp: number } {
  return { maxClientsTotal: config.stream.maxClientsTotal || config.stream.maxClients, maxClientsPerIp: config.stream.maxClientsPerIp };
}
