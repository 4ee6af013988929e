// Stand-in camera programs (test/fixtures/standin/*) on a PATH handed to the source,
// never put into process.env: rpicam-vid/libcamera-vid, a USB camera behind ffmpeg,
// raspistill. Each test gets its own state folder that selects the stand-in's mode and
// collects the arguments it was run with.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fixture } from './fixture-files';

export type StandinKind = 'pi' | 'pi-legacy-name' | 'v4l2' | 'raspistill';

export interface Standin {
  /** The folder STANDIN_STATE points at. */
  state: string;
  /** Environment for the source: PATH with the stand-ins first, then the system. */
  env: NodeJS.ProcessEnv;
  setMode(mode: string): void;
  /** Argument lines of each run of `program`, oldest first. */
  runs(program: string): string[];
}

/** A PATH with none of the camera programs (a machine without a camera stack). */
export const SYSTEM_PATH = '/usr/bin:/bin';

export function standin(t: TestContext, kinds: StandinKind[], mode = 'ok'): Standin {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-standin-'));
  t.after(() => fs.rmSync(state, { recursive: true, force: true }));
  const dirs = kinds.map((k) => fixture(path.join('standin', k)));
  const env = { PATH: [...dirs, SYSTEM_PATH].join(path.delimiter), STANDIN_STATE: state };
  const s: Standin = {
    state,
    env,
    setMode: (m) => fs.writeFileSync(path.join(state, 'mode'), m),
    runs: (program) => {
      try {
        return fs.readFileSync(path.join(state, `${program}.args`), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
  s.setMode(mode);
  return s;
}

/** Is a process with this pid still running (not a zombie)? */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
