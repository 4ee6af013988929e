// Camera rules that can be checked from the config alone. They run at load, so a
// mistake stops `check-config` and start-up with exit 78 naming the key, instead of
// failing every camera start and restarting with backoff for ever. What depends on
// the machine (a device plugged in, a program installed, a folder readable) is
// checked when the camera starts: that can change without a config change.
import { relayUrlProblem } from '../capture/relay-url';
import { describeValue } from '../errors';
import type { Config } from './schema';

/**
 * `key` names a camera key in the messages: `camera.url` for the single camera,
 * `cameras.nozzle.url` for a named one.
 */
export function cameraProblems(cam: Readonly<Config['camera']>, key: (k: string) => string = (k) => `camera.${k}`): string[] {
  const out: string[] = [];
  if (cam.source === 'files' && cam.dir === '') {
    out.push(`${key('dir')}: expected a folder of JPEG files when ${key('source')} is "files", got "" (string)`);
  }
  if (cam.fourcc !== '' && cam.fourcc.length !== 4) {
    out.push(`${key('fourcc')}: expected 4 characters such as "MJPG" or "YUYV", or "", got ${describeValue(cam.fourcc)}`);
  }
  if (cam.index !== 0 && cam.source !== 'libcamera') {
    // auto always takes the first Pi camera; a number meant for another would be ignored unseen.
    out.push(`${key('index')}: expected 0 (the Pi camera number is only used with ${key('source')} "libcamera"), got ${cam.index} with ${key('source')} ${JSON.stringify(cam.source)}`);
  }
  if (cam.source === 'http') {
    const problem = relayUrlProblem(cam.url);
    if (problem) out.push(`${key('url')}: ${problem.replace('camera.source', key('source'))}`);
  }
  if (cam.source === 'opencv' && cam.device.includes('!')) {
    // OpenCV reads a GStreamer pipeline's frames from its appsink; without one the
    // open fails on every start. Only the last element is shown: a pipeline's
    // source element may carry a password (rtspsrc location=rtsp://user:pass@…).
    const last = cam.device.slice(cam.device.lastIndexOf('!') + 1).trim();
    if (!/^appsink(\s|$)/.test(last)) {
      out.push(`${key('device')}: expected a GStreamer pipeline ending in "! appsink" (OpenCV takes its frames from there), got a pipeline ending in ${JSON.stringify(last)}`);
    }
  }
  return out;
}
