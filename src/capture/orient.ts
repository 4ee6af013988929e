// Rotation and flips in software, for sources that encode with OpenCV. Flips first,
// then the clockwise rotation (so rotation=180 equals hflip+vflip, as on rpicam-vid).
// Runs on libuv's thread pool like the encode, off the event loop.
import type { Mat } from '@u4/opencv4nodejs';
import type { Config } from '../config/schema';
import { cv } from './cv';

type Orientation = Pick<Config['camera'], 'rotation' | 'hflip' | 'vflip'>;

export function needsOrient(cam: Orientation): boolean {
  return cam.rotation !== 0 || cam.hflip || cam.vflip;
}

/** OpenCV's flip code: 1 = around the y axis (mirror), 0 = around x (upside down), -1 = both. */
export function flipCode(cam: Orientation): number | null {
  if (cam.hflip && cam.vflip) return -1;
  if (cam.hflip) return 1;
  if (cam.vflip) return 0;
  return null;
}

export async function orient(mat: Mat, cam: Orientation): Promise<Mat> {
  const o = cv();
  let out = mat;
  const code = flipCode(cam);
  if (code !== null) out = await out.flipAsync(code);
  if (cam.rotation === 90) out = await out.rotateAsync(o.ROTATE_90_CLOCKWISE);
  else if (cam.rotation === 180) out = await out.rotateAsync(o.ROTATE_180);
  else if (cam.rotation === 270) out = await out.rotateAsync(o.ROTATE_90_COUNTERCLOCKWISE);
  return out;
}
