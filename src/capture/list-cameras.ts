// `camstream list-cameras [--json] [--dev DIR] [--sys DIR]`: every camera found (see
// discover.ts) with a suggested name, and a "cameras" section to paste into
// /etc/camstream.json that pins each one by what survives a reboot (the Pi camera's
// number, the webcam's by-id or by-path link). It only looks; it opens no camera, so
// it can run while the server streams. --dev and --sys point at another /dev and
// /sys/class/video4linux (a test's fake tree, or a container's bind mounts).
import path from 'node:path';
import { EXIT_USAGE } from '../errors';
import { discoverCameras, type Discovered, type PiCamera, type UsbCamera } from './discover';

export interface ListCamerasOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  out: (s: string) => void;
  err: (s: string) => void;
}

export interface ListedCamera {
  /** Suggested camera name (URL-safe, unique): pi0, pi1, usb-c270, … */
  name: string;
  kind: 'libcamera' | 'usb';
  /** The camera section that serves it. */
  config: { source: 'libcamera'; index: number } | { source: 'opencv'; device: string };
  /** The /dev/videoN a webcam is now (changes between boots; not for the config). */
  node?: string;
  description: string;
}

const NAME_MAX = 32;

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, NAME_MAX)
    .replace(/-+$/, '');
}

/**
 * A short name for a webcam: its model number from udev's by-id name (ID_SERIAL is
 * vendor_model_serial, e.g. 046d_HD_Pro_Webcam_C920_8E3F7A6F → "c920"), else its
 * V4L2 card name, else "usb".
 */
function usbName(c: UsbCamera): string {
  const serial = (c.byId ?? '').replace(/^usb-/, '').replace(/-video-index\d+$/, '');
  // The first part is the vendor (its name, or its USB id such as 046d when it gives none).
  const model = serial.split('_').slice(1).find((t) => /^[A-Za-z]{1,4}\d{2,5}[A-Za-z]?$/.test(t));
  if (model) return `usb-${model.toLowerCase()}`;
  const card = slug(c.card.split(':')[0]);
  if (card) return card.startsWith('usb') ? card : slug(`usb-${card}`);
  return 'usb';
}

function unique(name: string, taken: Set<string>): string {
  let n = name;
  for (let i = 2; taken.has(n); i++) n = `${name.slice(0, NAME_MAX - String(i).length - 1)}-${i}`;
  taken.add(n);
  return n;
}

function describeUsb(c: UsbCamera): string {
  const what = c.card || 'USB webcam';
  if (c.pinnedBy === 'by-path') return `${what} (USB webcam; another has the same by-id name, so pinned by its USB port: keep it in this port)`;
  if (c.pinnedBy === 'node') return `${what} (video node; udev made no /dev/v4l link, so its number may change between boots)`;
  return `${what} (USB webcam)`;
}

export function describeCameras(found: Discovered): ListedCamera[] {
  const taken = new Set<string>();
  return found.cameras.map((c: PiCamera | UsbCamera) =>
    c.kind === 'libcamera'
      ? { name: unique(`pi${c.index}`, taken), kind: 'libcamera', config: { source: 'libcamera', index: c.index }, description: `Pi camera ${c.index}: ${c.model}${c.detail ? ` [${c.detail}]` : ''}` }
      : { name: unique(usbName(c), taken), kind: 'usb', config: { source: 'opencv', device: c.device }, node: c.node, description: describeUsb(c) },
  );
}

/** The section to paste: names in the order auto would pick them (camera 0 first). */
export function camerasSnippet(listed: ListedCamera[]): { cameras: Record<string, ListedCamera['config']> } {
  return { cameras: Object.fromEntries(listed.map((c) => [c.name, c.config])) };
}

function nothingFound(found: Discovered, devDir: string): string {
  const pi = found.pi ? `${found.pi.program} --list-cameras lists none${found.pi.error ? ` (${found.pi.error})` : ''}` : 'rpicam-vid is not installed (apt install rpicam-apps for a Pi camera)';
  return `No camera found: ${pi}, and no USB webcam under ${path.join(devDir, 'v4l')} or ${path.join(devDir, 'video*')}.\nConnect a camera (a Pi camera needs a reboot after connecting) and run camstream list-cameras again.\n`;
}

export async function listCamerasCommand(o: ListCamerasOptions): Promise<number> {
  let json = false;
  let devDir = '/dev';
  let sysDir = '/sys/class/video4linux';
  const rest = [...o.argv];
  while (rest.length) {
    const a = rest.shift()!;
    const value = () => {
      const v = rest.shift();
      if (!v) throw new Error(`${a} needs a folder`);
      return v;
    };
    try {
      if (a === '--json') json = true;
      else if (a === '--dev') devDir = value();
      else if (a === '--sys') sysDir = value();
      else throw new Error(`unknown argument ${JSON.stringify(a)}`);
    } catch (e) {
      o.err(`camstream list-cameras: ${(e as Error).message}\nusage: camstream list-cameras [--json] [--dev DIR] [--sys DIR]\n`);
      return EXIT_USAGE;
    }
  }
  const found = await discoverCameras({ env: o.env, devDir, sysDir });
  const listed = describeCameras(found);
  const snippet = camerasSnippet(listed);
  if (json) {
    o.out(`${JSON.stringify({ cameras: listed, config: snippet }, null, 2)}\n`);
    return 0;
  }
  if (listed.length === 0) {
    o.out(nothingFound(found, devDir));
    return 0;
  }
  const width = Math.max(...listed.map((c) => c.name.length));
  const where = (c: ListedCamera) => (c.config.source === 'libcamera' ? `--camera ${c.config.index}` : c.config.device);
  o.out(`Found ${listed.length} camera${listed.length === 1 ? '' : 's'}:\n`);
  for (const c of listed) o.out(`  ${c.name.padEnd(width)}  ${where(c)}\n  ${' '.repeat(width)}  ${c.description}${c.node ? `, now ${c.node}` : ''}\n`);
  o.out(
    `\nTo serve ${listed.length === 1 ? 'it' : 'them all'} by names that survive a reboot, put this in /etc/camstream.json\n` +
      '(rename them as you like; the first one is also served at /stream):\n\n' +
      `${JSON.stringify(snippet, null, 2)}\n`,
  );
  return 0;
}
