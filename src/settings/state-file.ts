// Settings changed from the page are kept in a state file (default
// /var/lib/camstream/settings.json: systemd's StateDirectory=, writable while /etc
// stays read-only to the service), layered over the config file at start. Written
// atomically: a temporary file is written and fsynced, renamed over the old one,
// and the folder fsynced, so a Pi losing power mid-write keeps the old file or the
// new one, never half of one. A file that cannot be read is reported, never thrown:
// camstream then starts with the config file's values.
import fs from 'node:fs';
import path from 'node:path';
import type { ControlValue, Values } from './controls';

export const STATE_FILE_NAME = 'settings.json';

export interface StateData {
  /** Camera name → its stored settings. */
  cameras: Record<string, Values>;
}

export function stateFilePath(dir: string): string {
  return path.join(dir, STATE_FILE_NAME);
}

const isValue = (v: unknown): v is ControlValue => typeof v === 'boolean' || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/** The stored settings; an empty set when there is no file; `problem` says why a file there was ignored. */
export function readState(dir: string): { data: StateData; problem?: string } {
  const file = stateFilePath(dir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: { cameras: {} } };
    return { data: { cameras: {} }, problem: `${file} could not be read (${(err as Error).message})` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { data: { cameras: {} }, problem: `${file} is not valid JSON (${(err as Error).message})` };
  }
  const cams = (parsed as { cameras?: unknown })?.cameras;
  if (!cams || typeof cams !== 'object' || Array.isArray(cams)) return { data: { cameras: {} }, problem: `${file} has no "cameras" object` };
  const out: StateData = { cameras: {} };
  for (const [name, values] of Object.entries(cams as Record<string, unknown>)) {
    if (!values || typeof values !== 'object' || Array.isArray(values)) continue;
    out.cameras[name] = Object.fromEntries(Object.entries(values as Record<string, unknown>).filter(([, v]) => isValue(v))) as Values;
  }
  return { data: out };
}

/** Replace the state file atomically (temp file, fsync, rename, fsync of the folder). */
export function writeState(dir: string, data: StateData): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = stateFilePath(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(data, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
