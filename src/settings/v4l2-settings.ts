// A USB webcam's settings: its own V4L2 controls, as `v4l2-ctl --list-ctrls-menus`
// reports them (set live with `v4l2-ctl -c name=value`: no restart, the picture changes
// within a frame or two), plus the sizes and rates from `--list-formats-ext` (a change
// of those restarts capture).
import { v4l2Path } from '../capture/v4l2-mjpeg';
import type { Config } from '../config/schema';
import type { Control, ControlGroup, Values } from './controls';
import { formatControls } from './libcamera-controls';
import { runTool } from '../capture/run-tool';
import { parseCtrlsMenus, parseFormatsExt, type V4l2Control } from './v4l2-list';

// Flips are camera.hflip/vflip (usb-camera.ts sets these controls at each start).
const MANAGED = new Set(['horizontal_flip', 'vertical_flip']);

function groupOf(name: string): ControlGroup {
  if (/focus|zoom|pan|tilt/.test(name)) return 'focus';
  if (/exposure|gain|backlight|iso|power_line/.test(name)) return 'exposure';
  return 'picture';
}

const label = (name: string) => name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

export function v4l2Controls(listed: V4l2Control[]): Control[] {
  const out: Control[] = [];
  for (const v of listed) {
    if (MANAGED.has(v.name) || v.flags.includes('read-only')) continue;
    const base = { name: v.name, label: label(v.name), group: groupOf(v.name), apply: 'live' as const, flags: v.flags };
    if (v.type === 'bool') out.push({ ...base, type: 'bool', default: v.default === 1, value: v.value === 1 });
    else if ((v.type === 'menu' || v.type === 'intmenu') && v.menu) out.push({ ...base, type: 'menu', options: v.menu.map((m) => ({ value: m.value, label: m.label })), default: v.default ?? 0, value: v.value ?? 0 });
    else if (v.type === 'int' && v.min !== undefined && v.max !== undefined) out.push({ ...base, type: 'int', min: v.min, max: v.max, step: v.step ?? 1, default: v.default ?? v.min, value: v.value ?? v.min });
  }
  return out;
}

export interface UsbProbe {
  controls: V4l2Control[];
  sizes: { width: number; height: number; fps: number | null }[];
}

/** What the webcam reports; null with the reason when v4l2-ctl is missing or fails. */
export async function probeUsb(cam: Config['camera'], env: NodeJS.ProcessEnv): Promise<UsbProbe | string> {
  const dev = v4l2Path(cam.device);
  const ctrls = await runTool(['v4l2-ctl'], ['-d', dev, '--list-ctrls-menus'], env);
  if (!ctrls) return 'v4l2-ctl is not installed (apt install v4l-utils)';
  if (!ctrls.ok) return `v4l2-ctl --list-ctrls-menus failed: ${ctrls.err}`;
  const fmts = await runTool(['v4l2-ctl'], ['-d', dev, '--list-formats-ext'], env);
  const formats = fmts?.ok ? parseFormatsExt(fmts.out) : [];
  // The sizes of the format camstream asks for (MJPG unless camera.fourcc says otherwise).
  const want = (cam.fourcc || 'MJPG').toUpperCase();
  const fmt = formats.find((f) => f.fourcc.toUpperCase() === want) ?? formats[0];
  const sizes = (fmt?.sizes ?? []).map((s) => ({ width: s.width, height: s.height, fps: s.fps.length ? Math.max(...s.fps) : null }));
  return { controls: parseCtrlsMenus(ctrls.out), sizes };
}

export function usbControls(probe: UsbProbe, cam: Config['camera'], values: Values): Control[] {
  return [...formatControls(cam, probe.sizes, values), ...v4l2Controls(probe.controls)];
}

/** Set live controls; resolves null when the camera took them, else v4l2-ctl's complaint. */
export async function setV4l2(cam: Config['camera'], values: Values, env: NodeJS.ProcessEnv): Promise<string | null> {
  const list = Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 1 : 0) : v}`);
  if (list.length === 0) return null;
  const r = await runTool(['v4l2-ctl'], ['-d', v4l2Path(cam.device), '-c', list.join(',')], env);
  if (!r) return 'v4l2-ctl is not installed (apt install v4l-utils)';
  return r.ok ? null : r.err || 'v4l2-ctl failed';
}
