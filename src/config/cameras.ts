// The cameras a config describes, in order (index 0 = the one /stream serves).
// PLACEHOLDER for the pipeline branch: the cameras-config branch owns this file and its
// real version (the `cameras` section in the schema, per-camera errors, device checks)
// replaces this one at merge, with the same signature. Until then: the single `camera`
// section is camera 0 named "default", and an object set on `config.cameras` by a
// caller (tests) is read as the contract describes (keys = names, entries override
// `camera`).
import type { Config } from './schema';

export interface CameraEntry {
  /** URL-safe name; 'default' for the single-camera form. */
  name: string;
  /** 0-based position, used by ?action=stream_N. */
  index: number;
  /** Effective camera section (defaults merged). */
  camera: Config['camera'];
  /** Effective per-camera stream limits. */
  limits: { maxClients: number; maxFps: number };
}

type CameraSpec = Partial<Config['camera']> & { stream?: Partial<CameraEntry['limits']> };

export function camerasOf(config: Readonly<Config>): CameraEntry[] {
  const global = { maxClients: config.stream.maxClients, maxFps: config.stream.maxFps };
  const named = (config as { cameras?: Record<string, CameraSpec> }).cameras;
  if (!named || Object.keys(named).length === 0) return [{ name: 'default', index: 0, camera: config.camera, limits: global }];
  return Object.entries(named).map(([name, spec], index) => {
    const { stream, ...cam } = spec;
    return { name, index, camera: { ...config.camera, ...cam }, limits: { ...global, ...stream } };
  });
}
