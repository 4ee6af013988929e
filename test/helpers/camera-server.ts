// A real camstream on 127.0.0.1:0 for camera tests: config from a file through
// loadConfig (as in production), camera programs found on the stand-in PATH given.
import type { TestContext } from 'node:test';
import { loadConfig } from '../../src/config/load';
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
  const loaded = loadConfig({ path: file, env: {} });
  const app = await startCamstream(loaded, { log: opts.log ?? silentLogger(), env: opts.env, devDir: opts.devDir, notifier: opts.notifier });
  t.after(() => app.stop());
  return { app, base: `http://127.0.0.1:${app.port}` };
}

