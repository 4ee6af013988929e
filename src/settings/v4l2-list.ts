// Reads what v4l2-ctl (v4l-utils) prints about a webcam: its controls
// (--list-ctrls-menus: type, range, step, default, value, flags, menu entries) and
// the sizes and rates it captures (--list-formats-ext). Real outputs are in
// test/fixtures/tools/.

export interface V4l2Control {
  name: string;
  type: 'int' | 'bool' | 'menu' | 'intmenu' | string;
  min?: number;
  max?: number;
  step?: number;
  default?: number;
  value?: number;
  /** inactive (another control overrides it now), read-only, … */
  flags: string[];
  /** Menu entries: the value to set and its label. */
  menu?: { value: number; label: string }[];
}

const CONTROL = /^\s*(\w+)\s+(?:0x[0-9a-f]+\s+)?\((\w+)\)\s*:\s*(.*)$/i;
const MENU_ITEM = /^\s+(-?\d+):\s*(.+?)\s*$/;

export function parseCtrlsMenus(text: string): V4l2Control[] {
  const out: V4l2Control[] = [];
  let last: V4l2Control | null = null;
  for (const line of text.split(/\r?\n/)) {
    const c = CONTROL.exec(line);
    if (c) {
      const fields = c[3];
      const num = (k: string) => {
        const m = new RegExp(`(?:^|\\s)${k}=(-?\\d+)`).exec(fields);
        return m ? Number(m[1]) : undefined;
      };
      const flags = /flags=(.*)$/.exec(fields)?.[1].split(',').map((s) => s.trim()).filter(Boolean) ?? [];
      last = { name: c[1], type: c[2], min: num('min'), max: num('max'), step: num('step'), default: num('default'), value: num('value'), flags };
      if (last.type === 'menu' || last.type === 'intmenu') last.menu = [];
      out.push(last);
      continue;
    }
    const m = MENU_ITEM.exec(line);
    if (m && last?.menu) last.menu.push({ value: Number(m[1]), label: m[2] });
  }
  return out;
}

export interface V4l2Format {
  fourcc: string;
  sizes: { width: number; height: number; fps: number[] }[];
}

export function parseFormatsExt(text: string): V4l2Format[] {
  const out: V4l2Format[] = [];
  let fmt: V4l2Format | null = null;
  let size: V4l2Format['sizes'][number] | null = null;
  for (const line of text.split(/\r?\n/)) {
    // "[0]: 'MJPG' (Motion-JPEG, compressed)" (v4l-utils 1.20+) or "Pixel Format: 'MJPG'" (older).
    const f = /(?:\[\d+\]:|Pixel Format:)\s*'(\w{1,4})\s*'/.exec(line);
    if (f) {
      fmt = { fourcc: f[1], sizes: [] };
      out.push(fmt);
      size = null;
      continue;
    }
    const s = /Size: Discrete (\d+)x(\d+)/.exec(line);
    if (s && fmt) {
      size = { width: Number(s[1]), height: Number(s[2]), fps: [] };
      fmt.sizes.push(size);
      continue;
    }
    const i = /Interval: Discrete [\d.]+s \(([\d.]+) fps\)/.exec(line);
    if (i && size) size.fps.push(Number(i[1]));
  }
  return out;
}
