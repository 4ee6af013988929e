// Flips done by a USB camera itself, through its V4L2 controls (horizontal_flip,
// vertical_flip) set with v4l2-ctl from v4l-utils. When the camera can flip, its MJPEG
// can still be passed through untouched; when it cannot (many webcams have no such
// controls), OpenCV flips and re-encodes instead.
import { runTool } from './run-tool';
import { v4l2Path } from './v4l2-mjpeg';

/** Names of the device's controls ("brightness", "horizontal_flip", …); null if v4l2-ctl is missing or fails. */
export async function listV4l2Controls(device: string, env: NodeJS.ProcessEnv): Promise<string[] | null> {
  const r = await runTool(['v4l2-ctl'], ['-d', v4l2Path(device), '--list-ctrls'], env, 5000);
  if (!r?.ok) return null;
  return [...r.out.matchAll(/^\s*(\w+)\s+0x[0-9a-f]+\s+\(/gim)].map((m) => m[1]);
}

/**
 * Ask the camera to flip. rotation 180 is both flips. Resolves true when the camera
 * took it, false when it cannot (no v4l2-ctl, no such controls, or it refused).
 */
export async function flipInCamera(device: string, flips: { hflip: boolean; vflip: boolean }, env: NodeJS.ProcessEnv): Promise<boolean> {
  const controls = await listV4l2Controls(device, env);
  if (!controls || !controls.includes('horizontal_flip') || !controls.includes('vertical_flip')) return false;
  const r = await runTool(['v4l2-ctl'], ['-d', v4l2Path(device), '-c', `horizontal_flip=${flips.hflip ? 1 : 0},vertical_flip=${flips.vflip ? 1 : 0}`], env, 5000);
  return r?.ok ?? false;
}
