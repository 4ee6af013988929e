// Stand-in camera programs (test/fixtures/standin/*) on a PATH handed to the source,
// never put into process.env: rpicam-vid/libcamera-vid, a USB camera behind ffmpeg,
// raspistill. Each test gets its own state folder that selects the stand-in's mode and
// collects the arguments it was run with.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { FFMPEG } from './ffmpeg';
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

/** piCameras: how many cameras the stand-in rpicam-vid has (STANDIN_PI_CAMERAS; its default is 1). */
export function standin(t: TestContext, kinds: StandinKind[], mode = 'ok', opts: { piCameras?: number } = {}): Standin {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-standin-'));
  t.after(() => fs.rmSync(state, { recursive: true, force: true }));
  const dirs = kinds.map((k) => fixture(path.join('standin', k)));
  const env: NodeJS.ProcessEnv = { PATH: [...dirs, SYSTEM_PATH].join(path.delimiter), STANDIN_STATE: state };
  if (opts.piCameras !== undefined) env.STANDIN_PI_CAMERAS = String(opts.piCameras);
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

/** The corner colour the stand-in rpicam-vid gives each camera number (see its header). */
const STANDIN_CAMERA_COLOURS: [number, number, number][] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 255],
];

/**
 * Which stand-in Pi camera took this JPEG: ffmpeg decodes it and averages the inside of
 * the coloured corner box; the nearest camera colour within a JPEG's error wins. -1 when
 * none is near (not a stand-in camera's picture).
 */
export function standinCameraOf(jpeg: Buffer): number {
  const rgb = execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'image2pipe', '-c:v', 'mjpeg', '-i', '-', '-frames:v', '1', '-vf', 'crop=iw/8:ih/8:iw/16:ih/16,scale=1:1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { input: jpeg, timeout: 30000 });
  const dist = STANDIN_CAMERA_COLOURS.map((c) => Math.max(...c.map((v, i) => Math.abs(v - rgb[i]))));
  const best = dist.indexOf(Math.min(...dist));
  return dist[best] <= 40 ? best : -1;
}
