// source=auto: ONE camera, the first in a stable order (discover.ts): the Pi camera
// rpicam-vid (or libcamera-vid) lists first, else the first USB webcam by its by-id
// (then by-path) name that delivers a frame (without udev's links: the first
// /dev/video* that does), else the test pattern. How many cameras there are is logged,
// with the hint that `camstream list-cameras` prints the config serving all. A camera,
// once chosen, is kept: one that later fails is restarted (and shows NO SIGNAL), not
// silently swapped for the test pattern; if its /dev/videoN is gone (unplugged) each
// restart looks again, so it is found when plugged back under another number. The
// test pattern is never final: while it shows, camera-watch.ts looks for a camera
// that appears late (USB enumerating late, rpicam-vid installed) and switches to it
// without dropping viewers. The choice and the reason are logged and shown in
// /api/status as source.selected.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { CamstreamError } from '../errors';
import { CameraWatch, videoNodeNames } from './camera-watch';
import { cv } from './cv';
import { listPiCameras, listUsbCameras, NOT_A_CAMERA, parsePiCameras } from './discover';
import { LIBCAMERA_PROGRAMS, LibcameraSource } from './libcamera';
import type { FrameSink, FrameSource } from './source';
import { TestPatternSource } from './testpattern';
import { UsbCameraSource } from './usb-camera';

type CameraConfig = Config['camera'];

export interface AutoOptions {
  env: NodeJS.ProcessEnv;
  /** Where video devices are looked for (tests point it at an empty folder). */
  devDir?: string;
  /** Where V4L2 device names are read, to skip the Pi's codec/ISP nodes. */
  sysDir?: string;
  /** While showing the test pattern, how often PATH and devDir are looked at again, ms (default 5000). */
  rescanMs?: number;
  /** Does this video node deliver a frame? Default: open it with OpenCV and read one. */
  probe?: (device: string) => Promise<boolean>;
}

export interface Choice {
  kind: 'libcamera' | 'opencv' | 'testpattern';
  device?: string;
  reason: string;
}

/** `rpicam-vid --list-cameras`: the sensor model of each camera listed. */
export function parseCameraList(out: string): string[] {
  return parsePiCameras(out).map((c) => c.model);
}

function videoDevices(devDir: string): string[] {
  return videoNodeNames(devDir)
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((n) => path.join(devDir, n));
}

async function canCapture(device: string): Promise<boolean> {
  try {
    const o = cv();
    const cap = new o.VideoCapture(device, o.CAP_V4L2);
    try {
      const mat = await cap.readAsync();
      return !mat.empty;
    } finally {
      cap.release();
    }
  } catch {
    return false;
  }
}

/**
 * The first camera in a stable order — Pi cameras by number, then USB webcams by their
 * by-id (then by-path) name, each probed for a frame — and how many cameras there are.
 * Without udev's /dev/v4l links, /dev/videoN in number order as before.
 */
export async function chooseAmong(opts: AutoOptions): Promise<{ choice: Choice; found: number }> {
  const notes: string[] = [];
  const devDir = opts.devDir ?? '/dev';
  const sysDir = opts.sysDir ?? '/sys/class/video4linux';
  const listed = await listPiCameras(opts.env);
  const usb = listUsbCameras({ devDir, sysDir });
  const found = (listed?.cameras.length ?? 0) + usb.length;
  if (listed && listed.cameras.length > 0) {
    return { found, choice: { kind: 'libcamera', reason: `${listed.program} --list-cameras found ${listed.cameras.map((c) => c.model).join(', ')}` } };
  }
  notes.push(listed ? `${listed.program} found no camera${listed.error ? ` (${listed.error})` : ''}` : `${LIBCAMERA_PROGRAMS.join('/')} not installed`);

  const stable = usb.filter((c) => c.pinnedBy !== 'node');
  if (stable.length > 0) {
    for (const c of stable) {
      const what = `${c.device}${c.card ? ` (${c.card})` : ''}`;
      if (await (opts.probe ?? canCapture)(c.device)) return { found, choice: { kind: 'opencv', device: c.device, reason: `${notes.join('; ')}; ${what} delivers frames` } };
      notes.push(`${what} gives no frame`);
    }
    return { found, choice: { kind: 'testpattern', reason: `${notes.join('; ')}: showing the test pattern` } };
  }

  const devices = videoDevices(devDir);
  for (const dev of devices) {
    let name = '';
    try {
      name = fs.readFileSync(path.join(sysDir, path.basename(dev), 'name'), 'utf8').trim();
    } catch {
      // No sysfs entry (containers): try the device anyway.
    }
    if (NOT_A_CAMERA.test(name)) {
      notes.push(`${dev} is ${name}, not a camera`);
      continue;
    }
    if (await (opts.probe ?? canCapture)(dev)) return { found, choice: { kind: 'opencv', device: dev, reason: `${notes.join('; ')}; ${dev}${name ? ` (${name})` : ''} delivers frames` } };
    notes.push(`${dev}${name ? ` (${name})` : ''} gives no frame`);
  }
  if (devices.length === 0) notes.push(`no ${path.join(devDir, 'video*')} device`);
  return { found, choice: { kind: 'testpattern', reason: `${notes.join('; ')}: showing the test pattern` } };
}

export async function chooseCamera(opts: AutoOptions): Promise<Choice> {
  return (await chooseAmong(opts)).choice;
}

export class AutoSource implements FrameSource {
  readonly kind = 'auto';
  private inner: FrameSource | null = null;
  private choice: Choice | null = null;
  /** The supervisor's sink while started; null while stopped. */
  private sink: FrameSink | null = null;
  private watch: CameraWatch | null = null;

  constructor(
    private readonly cam: CameraConfig,
    private readonly log: Logger,
    private readonly opts: AutoOptions,
  ) {}

  describe(): string {
    return this.inner ? `auto → ${this.inner.describe()}` : 'auto (not yet chosen)';
  }

  selection(): string | undefined {
    return this.choice ? `${this.choice.kind}${this.choice.device ? ` ${this.choice.device}` : ''}: ${this.choice.reason}` : undefined;
  }

  async start(sink: FrameSink): Promise<void> {
    this.sink = sink;
    // The test pattern is only ever a stand-in: each start looks for a camera again.
    // A USB camera whose node is gone (unplugged) is looked for again too, as it may
    // come back under another /dev/videoN.
    const c = this.choice;
    if (!this.inner || c?.kind === 'testpattern' || (c?.kind === 'opencv' && !fs.existsSync(c.device!))) await this.choose();
    await this.inner!.start(sink);
    if (this.choice?.kind === 'testpattern') this.watchForCamera();
  }

  async stop(): Promise<void> {
    this.sink = null;
    this.stopWatch();
    await this.inner?.stop();
  }

  private async choose(): Promise<void> {
    const previous = this.choice;
    const { choice, found } = await chooseAmong(this.opts);
    if (previous?.kind === 'opencv' && choice.kind === 'testpattern') {
      // A camera that was in use and went away shows NO SIGNAL, not a test pattern
      // that looks like a working stream; the supervisor's retries look again.
      throw new CamstreamError('CAMSTREAM_ERR_NO_DEVICE', `${previous.device} is gone (unplugged?); waiting for a camera`);
    }
    if (previous && this.inner && previous.kind === choice.kind && previous.device === choice.device) return;
    this.use(choice, found);
  }

  private use(choice: Choice, found: number): void {
    this.choice = choice;
    this.log.info({ selected: choice.kind, device: choice.device, reason: choice.reason, found }, 'camera.source auto: chosen');
    if (found > 1) {
      // auto serves one camera; the others are not lost silently.
      this.log.info({ found }, `camera.source auto: found ${found} cameras and serves the first; run "camstream list-cameras" for the config that serves them all`);
    }
    // Rotation and flips behave as with the source named explicitly: the Pi camera
    // turns by 90/270 in software like a USB camera does (see jpeg-turner.ts).
    if (choice.kind === 'libcamera') this.inner = new LibcameraSource(this.cam, this.log, this.opts.env);
    else if (choice.kind === 'opencv') this.inner = new UsbCameraSource({ ...this.cam, device: choice.device! }, this.log, this.opts.env);
    else this.inner = new TestPatternSource(this.cam);
  }

  private watchForCamera(): void {
    this.watch ??= new CameraWatch({
      devDir: this.opts.devDir ?? '/dev',
      env: this.opts.env,
      everyMs: this.opts.rescanMs ?? 5000,
      onChange: () => this.lookAgain(),
    });
  }

  private stopWatch(): void {
    this.watch?.close();
    this.watch = null;
  }

  /** Something changed on PATH or in /dev while showing the test pattern: switch to a camera if there is one now. */
  private async lookAgain(): Promise<void> {
    const sink = this.sink;
    if (!sink || this.choice?.kind !== 'testpattern') return;
    const { choice, found } = await chooseAmong(this.opts);
    if (choice.kind === 'testpattern' || this.sink !== sink) return;
    this.stopWatch();
    const pattern = this.inner;
    this.use(choice, found);
    await pattern?.stop();
    if (this.sink !== sink) return; // stopped meanwhile; the next start() starts the camera
    try {
      // Same sink: connected viewers get the camera's frames on their open connection.
      await this.inner!.start(sink);
      sink.switched?.();
    } catch (err) {
      sink.fail(err as Error);
    }
  }
}
