// A real camstream on 127.0.0.1:0 for camera tests: config from a file through
// loadConfig (as in production), camera programs found on the stand-in PATH given.
import type { TestContext } from 'node:test';
import { loadConfig, type Loaded } from '../../src/config/load';
import { startCamstream, type Camstream } from '../../src/main';
import { silentLogger, type Logger } from '../../src/log';
import type { Notifier } from '../../src/platform/sd-notify';
import { writeConfig, type Overrides } from './camstream';

export interface CameraServer {
  app: Camstream;
  base: string;
}

export async function startCameraServer(
  t: TestContext,
  overrides: Overrides,
  opts: { env: NodeJS.ProcessEnv; devDir?: string; log?: Logger; port?: number; notifier?: Notifier; cameras?: Record<string, Record<string, unknown>> },
): Promise<CameraServer> {
  const ov = { ...overrides, server: { port: opts.port ?? 0, ...(overrides.server ?? {}) } };
  const file = writeConfig({ ...ov, ...(opts.cameras ? { cameras: opts.cameras } : {}) });
  const loaded = opts.cameras ? loadCameras(file, ov, opts.cameras) : loadConfig({ path: file, env: {} });
  const app = await startCamstream(loaded, { log: opts.log ?? silentLogger(), env: opts.env, devDir: opts.devDir, notifier: opts.notifier });
  t.after(() => app.stop());
  return { app, base: `http://127.0.0.1:${app.port}` };
}

/**
 * A config file with a `cameras` section, loaded as production does. Until the schema
 * knows `cameras` (the cameras-config branch), the section is set on the loaded config,
 * which src/config/cameras.ts reads the same way.
 */
function loadCameras(file: string, overrides: Overrides, cameras: Record<string, Record<string, unknown>>): Loaded {
  try {
    return loadConfig({ path: file, env: {} });
  } catch (err) {
    if (!/cameras/.test(String((err as Error).message))) throw err;
    const loaded = loadConfig({ path: writeConfig(overrides), env: {} });
    return { ...loaded, config: { ...loaded.config, cameras } as Loaded['config'] };
  }
}
