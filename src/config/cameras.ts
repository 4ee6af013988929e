// The cameras a config describes, as the rest of camstream sees them: a list in
// index order, each with its effective settings. The single `camera` form is one
// camera named "default" at index 0, so code never special-cases it.
import { redactUrl } from '../capture/relay-url';
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

/**
 * One line on where a camera's frames come from, for `check-config` and logs.
 * Never shows a secret: relay URLs are redacted, GStreamer pipelines (which may
 * carry an rtsp://user:pass@ location) are not echoed.
 */
export function sourceSummary(camera: Readonly<Config['camera']>): string {
  switch (camera.source) {
    case 'opencv':
      return camera.device.includes('!') ? 'opencv, a GStreamer pipeline' : `opencv ${camera.device}`;
    case 'libcamera':
      return `libcamera, Pi camera ${(camera as { index?: number }).index ?? 0}`;
    case 'http':
      return `http ${redactUrl(camera.url)}`;
    case 'files':
      return `files ${camera.dir}`;
    default:
      return camera.source;
  }
}
