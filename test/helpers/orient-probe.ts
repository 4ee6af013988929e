// Run as a program (by test/capture/orient.test.ts): for each orientation, take the
// OpenCV source's first frame from a real MJPEG file (or, for via "pi", the input
// frame through the Pi camera's software turn), decode it, and compare it with
// the input frame turned by hand. Prints one JSON object and ends with process.exit,
// as camstream's CLI does: Node with the OpenCV addon loaded has died with SIGSEGV in
// its natural exit teardown after all work was done, which would fail a test file
// that merely used OpenCV. The parent test process never loads OpenCV.
import fs from 'node:fs';
import type { Mat } from '@u4/opencv4nodejs';
import { cv } from '../../src/capture/cv';
import { JpegTurner } from '../../src/capture/jpeg-turner';
import { OpenCvSource } from '../../src/capture/opencv';
import type { Config } from '../../src/config/schema';
import { silentLogger } from '../../src/log';

export interface OrientResult {
  cols: number;
  rows: number;
  /** Mean absolute difference (0..255) from each hand-turned version of the input, or null when sizes differ. */
  diffs: Record<string, number | null>;
}

async function firstFrame(cam: Config['camera']): Promise<Mat> {
  const src = new OpenCvSource(cam, silentLogger());
  const jpeg = await new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no frame in 10 s')), 10000);
    src.start({ frame: (j) => (clearTimeout(timer), resolve(j)), fail: reject }).catch(reject);
  });
  await src.stop();
  return cv().imdecode(jpeg);
}

/** What the Pi camera source does with rpicam-vid's JPEGs for rotation 90/270. */
async function turnedByCamstream(jpeg: Buffer, rotation: 90 | 270): Promise<Mat> {
  const out = await new Promise<Buffer>((resolve, reject) => new JpegTurner({ frame: resolve, fail: reject }, rotation, 90).frame(jpeg));
  return cv().imdecode(out);
}

function diff(a: Mat, b: Mat): number | null {
  if (a.cols !== b.cols || a.rows !== b.rows) return null;
  const s = a.absdiff(b).sum() as unknown as { x: number; y: number; z: number };
  return (s.x + s.y + s.z) / (a.cols * a.rows * 3);
}

async function main(): Promise<void> {
  const [file, variantsJson] = process.argv.slice(2);
  const o = cv();
  const all = fs.readFileSync(file);
  const first = all.subarray(0, all.indexOf(Buffer.from([0xff, 0xd9])) + 2);
  const input = o.imdecode(first);
  const turned: Record<string, Mat> = {
    none: input,
    cw90: input.rotate(o.ROTATE_90_CLOCKWISE),
    ccw90: input.rotate(o.ROTATE_90_COUNTERCLOCKWISE),
    r180: input.rotate(o.ROTATE_180),
    mirror: input.flip(1),
    upsideDown: input.flip(0),
  };
  const out: Record<string, OrientResult> = {};
  const variants = JSON.parse(variantsJson) as Record<string, Partial<Config['camera']> & { via?: 'pi' }>;
  for (const [name, { via, ...over }] of Object.entries(variants)) {
    const cam = { device: file, fourcc: '', width: input.cols, height: input.rows, fps: 10, quality: 90, rotation: 0, hflip: false, vflip: false, ...over } as Config['camera'];
    const got = via === 'pi' ? await turnedByCamstream(first, cam.rotation as 90 | 270) : await firstFrame(cam);
    const diffs: Record<string, number | null> = {};
    for (const [k, m] of Object.entries(turned)) diffs[k] = diff(got, m);
    out[name] = { cols: got.cols, rows: got.rows, diffs };
  }
  process.stdout.write(JSON.stringify(out), () => process.exit(0));
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
