// Start a real camstream in this process on 127.0.0.1:0 with config overrides, and
// stop it when the test ends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { startCamstream, type Camstream } from '../../src/main';
import type { FrameSource } from '../../src/capture/source';
import { createLogger, silentLogger, type Logger } from '../../src/log';

export type Overrides = Record<string, Record<string, unknown>>;

/** Write a config file holding `overrides` (plus a loopback, any-port server) and return its path. */
export function writeConfig(overrides: Overrides, dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-test-'))): string {
  const cfg = { ...overrides, server: { host: '127.0.0.1', port: 0, ...(overrides.server ?? {}) } };
  const file = path.join(dir, 'camstream.json');
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
  return file;
}

export interface Started {
  app: Camstream;
  base: string;
  port: number;
}

export async function startServer(
  t: TestContext,
  overrides: Overrides = {},
  opts: { source?: FrameSource; log?: Logger } = {},
): Promise<Started> {
  const loaded = loadConfig({ path: writeConfig(overrides), env: {} });
  const app = await startCamstream(loaded, { log: opts.log ?? silentLogger(), source: opts.source });
  t.after(() => app.stop());
  return { app, base: `http://127.0.0.1:${app.port}`, port: app.port };
}

/** A logger whose JSON lines are collected in `lines`, to assert on what was logged. */
export function capturingLogger(level = 'info'): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const log = createLogger(level, { write: (s: string) => void chunks.push(s) });
  return { log, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Poll `fn` until it returns a truthy value (which is returned), or fail after `timeoutMs`. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  return res.json();
}

/** Open file descriptors of this process. */
export function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}
