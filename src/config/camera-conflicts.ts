// Rules between cameras: two cameras must not open the same device. A device can
// be opened once, so the second camera would fail every start and restart with
// backoff for ever; say so at load instead (exit 78 from check-config).
import fs from 'node:fs';
import { describeValue } from '../errors';
import type { CameraSettings } from './schema';

type Given = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/** The same device whatever the spelling: "0" is /dev/video0, a by-id link is its /dev/videoN. */
export function deviceIdentity(device: string, realpath: (p: string) => string = fs.realpathSync): string {
  const path = /^\d+$/.test(device) ? `/dev/video${device}` : device;
  try {
    return realpath(path);
  } catch {
    return path; // not there (yet): compare as written
  }
}

/** Which Pi camera a libcamera/raspistill camera opens (camera.index; raspistill only opens the first). */
function piCameraIndex(cam: Readonly<CameraSettings>): number {
  if (cam.source === 'raspistill') return 0;
  const index = (cam as { index?: unknown }).index;
  return typeof index === 'number' ? index : 0;
}

export function cameraConflicts(cams: readonly (readonly [string, Readonly<CameraSettings>])[], given: Given, realpath?: (p: string) => string): string[] {
  const out: string[] = [];
  const key = (name: string, k: string) => `cameras.${name}.${k}${k in (given.get(name) ?? {}) ? '' : ` (inherited from camera.${k})`}`;

  const autos = cams.filter(([, c]) => c.source === 'auto').map(([n]) => n);
  for (const name of autos.slice(1)) {
    out.push(`${key(name, 'source')}: expected at most one camera with source "auto" (each would pick the same camera; name this one's source and device), got "auto" (string), as cameras.${autos[0]} has`);
  }

  const devices = new Map<string, string>();
  const piCameras = new Map<number, string>();
  for (const [name, cam] of cams) {
    if (cam.source === 'opencv') {
      const id = deviceIdentity(cam.device, realpath);
      const first = devices.get(id);
      if (first === undefined) devices.set(id, name);
      else {
        const same = id === cam.device ? '' : ` (${id})`;
        out.push(`${key(name, 'device')}: expected a device no other camera opens (a camera can be opened once), got ${describeValue(cam.device)}${same}, which cameras.${first} opens too`);
      }
    } else if (cam.source === 'libcamera' || cam.source === 'raspistill') {
      const index = piCameraIndex(cam);
      const first = piCameras.get(index);
      if (first === undefined) piCameras.set(index, name);
      else {
        const k = cam.source === 'raspistill' ? key(name, 'source') : key(name, 'index');
        out.push(`${k}: expected a Pi camera no other camera opens (camera.index: rpicam-vid --camera N; raspistill opens camera 0), got camera ${index}, which cameras.${first} opens too`);
      }
    }
  }
  return out;
}
