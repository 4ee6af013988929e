// OpenCV VideoCapture: a V4L2 camera (/dev/videoN or an index), a GStreamer
// pipeline (anything containing "!", ending in appsink), or a video file. Reads and
// JPEG encodes run on libuv's thread pool (readAsync/imencodeAsync), one frame in
// flight at a time, so the event loop stays free for viewers.
import fs from 'node:fs';
import type { VideoCapture } from '@u4/opencv4nodejs';
import { CamstreamError } from '../errors';
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { cv } from './cv';
import { needsOrient, orient } from './orient';
import { Pacer, sleep } from './pacer';
import type { FrameSink, FrameSource } from './source';

type CameraConfig = Config['camera'];
export type DeviceKind = 'v4l2' | 'gstreamer' | 'file';

export function classifyDevice(device: string): { kind: DeviceKind; target: string | number } {
  if (device.includes('!')) return { kind: 'gstreamer', target: device };
  if (/^\d+$/.test(device)) return { kind: 'v4l2', target: Number(device) };
  if (device.startsWith('/dev/')) return { kind: 'v4l2', target: device };
  return { kind: 'file', target: device };
}

export class OpenCvSource implements FrameSource {
  readonly kind = 'opencv';
  private cap: VideoCapture | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private actual = '';

  constructor(
    private readonly cam: CameraConfig,
    private readonly log: Logger,
  ) {}

  describe(): string {
    const d = classifyDevice(this.cam.device);
    return `opencv ${d.kind} ${this.cam.device}${this.actual ? ` (${this.actual})` : ''}`;
  }

  async start(sink: FrameSink): Promise<void> {
    if (this.running) return;
    const o = cv();
    const { kind, target } = classifyDevice(this.cam.device);
    if (kind !== 'gstreamer' && typeof target === 'string' && !fs.existsSync(target)) {
      throw new CamstreamError('CAMSTREAM_ERR_NO_DEVICE', `camera.device ${target}: no such ${kind === 'v4l2' ? 'device' : 'file'}`);
    }
    const api = kind === 'gstreamer' ? o.CAP_GSTREAMER : kind === 'v4l2' ? o.CAP_V4L2 : o.CAP_ANY;
    let cap: VideoCapture;
    try {
      cap = new o.VideoCapture(target as string, api);
    } catch (err) {
      throw new CamstreamError('CAMSTREAM_ERR_NO_DEVICE', `cannot open ${this.cam.device}: ${(err as Error).message}`, { cause: err });
    }
    if (kind === 'v4l2') {
      // Ask for what the config wants; the driver may give something else, so read it back.
      if (this.cam.fourcc) cap.set(o.CAP_PROP_FOURCC, o.VideoWriter.fourcc(this.cam.fourcc));
      cap.set(o.CAP_PROP_FRAME_WIDTH, this.cam.width);
      cap.set(o.CAP_PROP_FRAME_HEIGHT, this.cam.height);
      cap.set(o.CAP_PROP_FPS, this.cam.fps);
    }
    const got = {
      width: cap.get(o.CAP_PROP_FRAME_WIDTH),
      height: cap.get(o.CAP_PROP_FRAME_HEIGHT),
      fps: cap.get(o.CAP_PROP_FPS),
      fourcc: fourccToString(cap.get(o.CAP_PROP_FOURCC)),
    };
    this.actual = `${got.fourcc || '?'} ${got.width}x${got.height}@${Math.round(got.fps * 100) / 100}`;
    this.log.info(
      { device: this.cam.device, kind, requested: { width: this.cam.width, height: this.cam.height, fps: this.cam.fps, fourcc: this.cam.fourcc }, actual: got },
      'camera opened',
    );
    this.cap = cap;
    this.running = true;
    this.loop = this.run(cap, kind, sink).catch((err: Error) => {
      if (this.running) sink.fail(err);
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.loop = null;
    try {
      this.cap?.release();
    } catch {
      // Releasing a device that vanished can throw; it is gone either way.
    }
    this.cap = null;
  }

  private async run(cap: VideoCapture, kind: DeviceKind, sink: FrameSink): Promise<void> {
    const o = cv();
    // Files decode as fast as we ask; cameras and live pipelines pace themselves.
    const pacer = kind === 'file' ? new Pacer(1000 / this.cam.fps) : null;
    const params = [o.IMWRITE_JPEG_QUALITY, this.cam.quality];
    const rotateFlip = needsOrient(this.cam);
    while (this.running) {
      if (pacer) await sleep(pacer.delay());
      let mat = await cap.readAsync();
      if (!this.running) break;
      if (mat.empty) {
        if (kind === 'file') {
          // End of the video: loop it, as a demo or test source should.
          cap.set(o.CAP_PROP_POS_FRAMES, 0);
          mat = await cap.readAsync();
        }
        if (mat.empty) throw new CamstreamError('CAMSTREAM_ERR_SOURCE', `${this.cam.device}: camera returned no frame`);
      }
      const t0 = performance.now();
      // Rotation/flip in software: V4L2 cameras' own controls for it vary by model.
      const img = rotateFlip ? await orient(mat, this.cam) : mat;
      // Free the camera's buffer now rather than at GC: Mats from VideoCapture that
      // outlive it until process exit have crashed Node at exit (SIGSEGV) in tests.
      if (img !== mat) mat.release();
      const jpeg = await o.imencodeAsync('.jpg', img, params);
      const size = { width: img.cols, height: img.rows };
      if (img !== mat) img.release();
      if (!this.running) break;
      sink.frame(jpeg, { ...size, encodeMs: performance.now() - t0 });
    }
  }
}

function fourccToString(code: number): string {
  if (!Number.isFinite(code) || code <= 0) return '';
  const c = Math.round(code);
  return String.fromCharCode(c & 0xff, (c >> 8) & 0xff, (c >> 16) & 0xff, (c >> 24) & 0xff).replace(/[^\x20-\x7e]/g, '');
}
