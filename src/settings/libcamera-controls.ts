// The Pi camera's settings, as rpicam-vid options. What the sensor offers comes from
// `rpicam-vid --list-cameras` (modes; the libcamera control ranges where the tool
// prints them; autofocus and HDR by sensor where it does not). A change restarts
// rpicam-vid with the options below: libcamera takes most of them only at start.
import type { Config } from '../config/schema';
import type { Control, ControlValue, Values } from './controls';
import { hasAutofocus, hasHdr, type ListedPiCamera } from './rpicam-list';

type Camera = Config['camera'];

const menu = (...values: string[]) => values.map((v) => ({ value: v, label: v }));

/** The control's range from the listing, else rpicam-apps' documented one. */
function range(cam: ListedPiCamera, name: string, fallback: [number, number]): [number, number] {
  const r = cam.controls?.[name];
  const lo = r ? Number(r[0]) : NaN;
  const hi = r ? Number(r[1]) : NaN;
  return Number.isFinite(lo) && Number.isFinite(hi) && hi > lo ? [lo, hi] : fallback;
}

/** Settings that are camera.* config keys: a stored value overrides the config file's. */
export const CONFIG_KEY_SETTINGS = ['resolution', 'framerate', 'rotation', 'hflip', 'vflip'] as const;

export function configKeyValue(name: string, cam: Camera): ControlValue | undefined {
  switch (name) {
    case 'resolution':
      return `${cam.width}x${cam.height}`;
    case 'framerate':
      return cam.fps;
    case 'rotation':
      return cam.rotation;
    case 'hflip':
      return cam.hflip;
    case 'vflip':
      return cam.vflip;
  }
  return undefined;
}

/** The camera.* keys stored values set (resolution → width and height, …). */
export function cameraOverrides(values: Values): Partial<Camera> {
  const o: Partial<Camera> = {};
  if (typeof values.resolution === 'string') {
    const [w, h] = values.resolution.split('x').map(Number);
    o.width = w;
    o.height = h;
  }
  if (typeof values.framerate === 'number') o.fps = values.framerate;
  if (values.rotation !== undefined) o.rotation = Number(values.rotation) as Camera['rotation'];
  if (typeof values.hflip === 'boolean') o.hflip = values.hflip;
  if (typeof values.vflip === 'boolean') o.vflip = values.vflip;
  return o;
}

/** Format controls shared by every camera kind: the size and rate asked of it, and the orientation. */
export function formatControls(cam: Camera, sizes: { width: number; height: number; fps: number | null }[], values: Values): Control[] {
  const configured = `${cam.width}x${cam.height}`;
  const names = [...new Set([...sizes.map((s) => `${s.width}x${s.height}`), configured])];
  const maxFps = Math.max(...sizes.map((s) => s.fps ?? 0), cam.fps, 1);
  const current = (n: string) => values[n] ?? configKeyValue(n, cam)!;
  return [
    { name: 'resolution', label: 'Resolution', group: 'format', type: 'menu', options: names.map((n) => ({ value: n, label: n })), default: configured, value: current('resolution'), apply: 'restart' },
    { name: 'framerate', label: 'Frame rate', group: 'format', type: 'float', min: 1, max: Math.floor(maxFps * 100) / 100, step: 1, default: cam.fps, value: current('framerate'), apply: 'restart' },
    { name: 'rotation', label: 'Rotation', group: 'format', type: 'menu', options: [0, 90, 180, 270].map((r) => ({ value: r, label: `${r}°` })), default: cam.rotation, value: current('rotation'), apply: 'restart' },
    { name: 'hflip', label: 'Mirror', group: 'format', type: 'bool', default: cam.hflip, value: current('hflip'), apply: 'restart' },
    { name: 'vflip', label: 'Upside down', group: 'format', type: 'bool', default: cam.vflip, value: current('vflip'), apply: 'restart' },
  ];
}

export function libcameraControls(listed: ListedPiCamera, cam: Camera, values: Values): Control[] {
  const c = (name: string, label: string, group: Control['group'], type: Control['type'], def: ControlValue, more: Partial<Control> = {}): Control => ({
    name,
    label,
    group,
    type,
    default: def,
    value: values[name] ?? def,
    apply: 'restart',
    ...more,
  });
  const num = (name: string, label: string, group: Control['group'], r: [number, number], def: number, step: number) => c(name, label, group, 'float', def, { min: r[0], max: r[1], step });
  const out: Control[] = [
    ...formatControls(cam, listed.modes, values),
    num('brightness', 'Brightness', 'picture', range(listed, 'Brightness', [-1, 1]), 0, 0.05),
    num('contrast', 'Contrast', 'picture', range(listed, 'Contrast', [0, 32]), 1, 0.05),
    num('saturation', 'Saturation', 'picture', range(listed, 'Saturation', [0, 32]), 1, 0.05),
    num('sharpness', 'Sharpness', 'picture', range(listed, 'Sharpness', [0, 16]), 1, 0.05),
    c('awb', 'White balance', 'picture', 'menu', 'auto', { options: menu('auto', 'incandescent', 'tungsten', 'fluorescent', 'indoor', 'daylight', 'cloudy') }),
    // Manual white balance: red and blue gains (--awbgains R,B); 0 = automatic.
    num('awbgains-red', 'Red gain (0 = auto)', 'picture', [0, range(listed, 'ColourGains', [0, 32])[1]], 0, 0.05),
    num('awbgains-blue', 'Blue gain (0 = auto)', 'picture', [0, range(listed, 'ColourGains', [0, 32])[1]], 0, 0.05),
    c('denoise', 'Noise reduction', 'picture', 'menu', 'auto', { options: menu('auto', 'off', 'cdn_off', 'cdn_fast', 'cdn_hq') }),
    num('ev', 'Exposure compensation (EV)', 'exposure', range(listed, 'ExposureValue', [-10, 10]), 0, 0.1),
    // 0 = chosen by the camera (automatic exposure / gain).
    c('shutter', 'Shutter (µs, 0 = auto)', 'exposure', 'int', 0, { min: 0, max: 1000000, step: 1 }),
    num('gain', 'Gain (0 = auto)', 'exposure', [0, range(listed, 'AnalogueGain', [1, 16])[1]], 0, 0.1),
    c('metering', 'Metering', 'exposure', 'menu', 'centre', { options: menu('centre', 'spot', 'average') }),
    c('exposure', 'Exposure mode', 'exposure', 'menu', 'normal', { options: menu('normal', 'sport', 'long') }),
  ];
  if (hasHdr(listed)) out.push(c('hdr', 'HDR', 'exposure', 'menu', 'off', { options: menu('off', 'auto') }));
  if (hasAutofocus(listed)) {
    out.push(
      c('autofocus-mode', 'Focus mode', 'focus', 'menu', 'default', { options: menu('default', 'manual', 'auto', 'continuous') }),
      // Dioptres (1 / distance in metres): 0 is infinity.
      num('lens-position', 'Lens position (dioptres, 0 = infinity)', 'focus', range(listed, 'LensPosition', [0, 15]), 1, 0.1),
      c('autofocus-range', 'Focus range', 'focus', 'menu', 'normal', { options: menu('normal', 'macro', 'full') }),
      c('autofocus-speed', 'Focus speed', 'focus', 'menu', 'normal', { options: menu('normal', 'fast') }),
    );
  }
  return out;
}

/**
 * rpicam-vid options for the stored values (camera.* keys excepted: libcameraArgs
 * makes those). A lens position means manual focus: it is given with
 * --autofocus-mode manual unless another mode was chosen.
 */
export function libcameraExtraArgs(values: Values): string[] {
  const args: string[] = [];
  for (const [name, v] of Object.entries(values)) {
    if ((CONFIG_KEY_SETTINGS as readonly string[]).includes(name) || name === 'autofocus-mode' || name.startsWith('awbgains-')) continue;
    args.push(`--${name}`, String(v));
  }
  // Both gains together, or none: rpicam-vid takes them as one option, and manual gains turn AWB off.
  const red = Number(values['awbgains-red'] ?? 0);
  const blue = Number(values['awbgains-blue'] ?? 0);
  if (red > 0 && blue > 0) args.push('--awbgains', `${red},${blue}`);
  const mode = values['autofocus-mode'];
  if (mode !== undefined && mode !== 'default') args.unshift('--autofocus-mode', String(mode));
  else if (values['lens-position'] !== undefined) args.unshift('--autofocus-mode', 'manual');
  return args;
}
