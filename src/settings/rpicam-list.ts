// Reads what `rpicam-vid --list-cameras` prints: per camera its sensor, its modes
// (size, and since rpicam-apps 1.1 the most frames per second) and, when the tool
// prints them (rpicam-apps 1.4+ with -v, or newer versions always), the libcamera
// controls with their ranges. Output formats seen in the wild are in
// test/fixtures/tools/ (2021 modes without rates; 2023+ with rates and controls).

export interface SensorMode {
  format: string;
  width: number;
  height: number;
  /** Most frames per second in this mode; null when the tool does not say (old versions). */
  fps: number | null;
}

export interface ListedPiCamera {
  index: number;
  /** Sensor name as listed: imx708, imx708_wide, imx477, … */
  model: string;
  modes: SensorMode[];
  /** libcamera controls → [min, max] as printed (numbers or true/false); null when none were printed. */
  controls: Record<string, [string, string]> | null;
}

const CAMERA_LINE = /^\s*(\d+)\s*:\s*(\S+)\s*\[/;
const FORMAT = /'([A-Z0-9_]+)'\s*:/;
const SIZE = /(\d+)x(\d+)(?:\s*\[([\d.]+)\s*fps)?/g;
const CONTROL = /^\s*([A-Za-z]\w*)\s*:\s*\[(.*)\.\.(.*)\]\s*$/;

export function parseRpicamList(text: string): ListedPiCamera[] {
  const cams: ListedPiCamera[] = [];
  let cur: ListedPiCamera | null = null;
  let format = '';
  let inControls = false;
  for (const line of text.split(/\r?\n/)) {
    const cam = CAMERA_LINE.exec(line);
    if (cam) {
      cur = { index: Number(cam[1]), model: cam[2], modes: [], controls: null };
      cams.push(cur);
      inControls = false;
      continue;
    }
    if (!cur) continue;
    if (/Available controls/.test(line)) {
      inControls = true;
      // A control list per mode: the first is kept (the ranges we offer do not depend on the mode).
      if (cur.controls === null) cur.controls = {};
      continue;
    }
    if (inControls) {
      const c = CONTROL.exec(line);
      if (c && cur.controls && !(c[1] in cur.controls)) cur.controls[c[1]] = [c[2].trim(), c[3].trim()];
      continue;
    }
    const f = FORMAT.exec(line);
    if (f) format = f[1];
    // Mode lines: "Modes: 'FMT' : WxH [fps …]", continuation lines with more sizes.
    if (f || (/^\s+\d+x\d+/.test(line) && format)) {
      const rest = f ? line.slice(line.indexOf(f[0]) + f[0].length) : line;
      // The crop in "[… - (0, 0)/4608x2592 crop]" is not a mode: drop bracketed parts after the fps.
      for (const m of rest.replace(/-\s*\([^)]*\)\/\d+x\d+\s*crop/g, '').matchAll(SIZE)) {
        cur.modes.push({ format, width: Number(m[1]), height: Number(m[2]), fps: m[3] ? Number(m[3]) : null });
      }
    }
  }
  return cams;
}

/** Sensors with a motorised lens when the tool does not print controls (older rpicam-apps). */
const AUTOFOCUS_SENSORS = /^(imx708|imx519|arducam_64mp|imx682)/;

export function hasAutofocus(cam: ListedPiCamera): boolean {
  return cam.controls ? 'AfMode' in cam.controls || 'LensPosition' in cam.controls : AUTOFOCUS_SENSORS.test(cam.model);
}

/** Sensor HDR (Camera Module 3) or the Pi 5's HDR modes (HdrMode in the control list). */
export function hasHdr(cam: ListedPiCamera): boolean {
  return cam.controls ? 'HdrMode' in cam.controls : /^imx708/.test(cam.model);
}
