// Every camera on this machine, each under a name that survives a reboot: the Pi
// cameras `rpicam-vid --list-cameras` lists (by their number, rpicam-vid --camera N),
// and the USB webcams by udev's /dev/v4l/by-id link — or by-path (the USB port) when
// two webcams share one by-id name, as identical models without a serial number do:
// udev then keeps one by-id link, pointing at whichever enumerated last, so only the
// port tells them apart. /dev/videoN numbers are never used when a stable name exists:
// they follow enumeration order, which can swap two webcams between boots.
// Nothing is opened here (a camera in use by the running server would refuse): USB
// capture nodes are told from metadata nodes by udev's "-video-index0" suffix.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { videoNodeNames } from './camera-watch';
import { LIBCAMERA_PROGRAMS } from './libcamera';
import { whichFirst } from './which';

export interface PiCamera {
  kind: 'libcamera';
  index: number;
  /** Sensor model, e.g. imx708. */
  model: string;
  /** The rest of rpicam-vid's line, e.g. "4608x2592 10-bit RGGB". */
  detail: string;
}

export interface UsbCamera {
  kind: 'usb';
  /** What to put in camera.device: the by-id or by-path link (or /dev/videoN when udev made neither). */
  device: string;
  /** Which kind of name `device` is. */
  pinnedBy: 'by-id' | 'by-path' | 'node';
  /** The /dev/videoN it points at now. */
  node: string;
  /** The by-id link name, when the webcam has one of its own. */
  byId?: string;
  /** The V4L2 card name from sysfs, e.g. "HD Webcam C270" (empty when unreadable). */
  card: string;
}

export interface PiList {
  program: string;
  cameras: PiCamera[];
  /** Why the program listed nothing, when it failed. */
  error?: string;
}

export interface DiscoverOptions {
  env: NodeJS.ProcessEnv;
  /** Where video devices and the v4l/by-id, v4l/by-path links are (tests build a fake tree). */
  devDir?: string;
  /** Where V4L2 device names are read (/sys/class/video4linux). */
  sysDir?: string;
}

/** Pi-internal V4L2 nodes that are not cameras (codec, ISP, decoder, CSI front end). */
export const NOT_A_CAMERA = /bcm2835-(codec|isp)|rpi-hevc|pispbe|rp1-cfe|unicam-(embedded|meta)/i;

/** `rpicam-vid --list-cameras`: "0 : imx708 [4608x2592 10-bit RGGB] (/base/…)" per camera; mode lines are indented. */
export function parsePiCameras(out: string): PiCamera[] {
  return [...out.matchAll(/^(\d+) : (\S+)(?: \[([^\]]*)\])?/gm)].map((m) => ({ kind: 'libcamera', index: Number(m[1]), model: m[2], detail: m[3] ?? '' }));
}

/** The Pi cameras, or null when neither rpicam-vid nor libcamera-vid is installed. */
export function listPiCameras(env: NodeJS.ProcessEnv): Promise<PiList | null> {
  const found = whichFirst(LIBCAMERA_PROGRAMS, env.PATH);
  if (!found) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(found.path, ['--list-cameras'], { env, timeout: 8000 }, (err, stdout, stderr) => {
      const cameras = parsePiCameras(`${stdout}`);
      resolve({ program: found.name, cameras, error: err && cameras.length === 0 ? `${err.message.split('\n')[0]} ${String(stderr).trim().split('\n').pop() ?? ''}`.trim() : undefined });
    });
  });
}

interface Link {
  name: string;
  node: string;
}

/** udev's capture-node links in devDir/v4l/<kind> (…-video-index0), with the node each points at. */
function captureLinks(devDir: string, kind: 'by-id' | 'by-path'): Link[] {
  const dir = path.join(devDir, 'v4l', kind);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: Link[] = [];
  for (const name of names.filter((n) => n.endsWith('-video-index0'))) {
    try {
      out.push({ name, node: fs.realpathSync(path.join(dir, name)) });
    } catch {
      // A dangling link (the webcam went while we looked).
    }
  }
  return out;
}

function cardName(sysDir: string, node: string): string {
  try {
    return fs.readFileSync(path.join(sysDir, path.basename(node), 'name'), 'utf8').trim();
  } catch {
    return '';
  }
}

function sysIndex(sysDir: string, node: string): string | null {
  try {
    return fs.readFileSync(path.join(sysDir, path.basename(node), 'index'), 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * The USB webcams, in a stable order: those with a by-id link of their own by that
 * name, then those pinned by port by their by-path name.
 */
export function listUsbCameras(opts: { devDir?: string; sysDir?: string } = {}): UsbCamera[] {
  const devDir = opts.devDir ?? '/dev';
  const sysDir = opts.sysDir ?? '/sys/class/video4linux';
  const byId = captureLinks(devDir, 'by-id');
  // by-path also names the Pi's own platform nodes (CSI receiver, codec): USB ones only.
  const byPath = captureLinks(devDir, 'by-path').filter((l) => /-usb-/.test(l.name));
  const nodes = [...new Set([...byId, ...byPath].map((l) => l.node))];
  if (nodes.length === 0 && byId.length === 0 && !fs.existsSync(path.join(devDir, 'v4l'))) return bareNodes(devDir, sysDir);

  const cams = nodes
    .map((node) => ({ node, card: cardName(sysDir, node), id: byId.find((l) => l.node === node), port: byPath.find((l) => l.node === node) }))
    .filter((c) => !NOT_A_CAMERA.test(c.card));
  // A webcam with a port link but no by-id link of its own lost its by-id name to another
  // with the same name; that other's link may point at either after the next boot.
  const shadowed = cams.filter((c) => !c.id && c.port);
  const sameModel = (a: string, b: string) => a === '' || b === '' || a === b;
  const out: UsbCamera[] = cams.map((c) => {
    const shared = c.id && shadowed.some((s) => sameModel(s.card, c.card));
    if (c.id && !(shared && c.port)) return { kind: 'usb', device: path.join(devDir, 'v4l', 'by-id', c.id.name), pinnedBy: 'by-id', node: c.node, byId: c.id.name, card: c.card };
    return { kind: 'usb', device: path.join(devDir, 'v4l', 'by-path', c.port!.name), pinnedBy: 'by-path', node: c.node, byId: c.id?.name, card: c.card };
  });
  const rank = (c: UsbCamera) => (c.pinnedBy === 'by-id' ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b) || path.basename(a.device).localeCompare(path.basename(b.device)));
}

/** No udev links at all (a container, a system without udev): the video nodes that look like capture nodes. */
function bareNodes(devDir: string, sysDir: string): UsbCamera[] {
  return videoNodeNames(devDir)
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((n) => path.join(devDir, n))
    .filter((node) => !NOT_A_CAMERA.test(cardName(sysDir, node)) && (sysIndex(sysDir, node) ?? '0') === '0')
    .map((node) => ({ kind: 'usb', device: node, pinnedBy: 'node', node, card: cardName(sysDir, node) }));
}

export interface Discovered {
  /** Pi cameras by number, then USB webcams (see listUsbCameras): the order auto picks in. */
  cameras: (PiCamera | UsbCamera)[];
  /** rpicam-vid's outcome: null when not installed. */
  pi: PiList | null;
}

export async function discoverCameras(opts: DiscoverOptions): Promise<Discovered> {
  const pi = await listPiCameras(opts.env);
  const usb = listUsbCameras(opts);
  return { cameras: [...(pi?.cameras ?? []).sort((a, b) => a.index - b.index), ...usb], pi };
}
