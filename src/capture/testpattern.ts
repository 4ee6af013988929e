// The built-in source when there is no camera: colour bars, a sweeping bar, a clock
// and a frame counter, drawn and JPEG-encoded by OpenCV at the configured size,
// quality and rate. It exercises the same encode path as a raw camera would.
import type { Config } from '../config/schema';
import type { Mat } from '@u4/opencv4nodejs';
import { cv } from './cv';
import { Pacer, sleep } from './pacer';
import type { FrameSink, FrameSource } from './source';

type CameraConfig = Config['camera'];

// BGR, the SMPTE bar order.
const BARS: [number, number, number][] = [
  [192, 192, 192], [0, 192, 192], [192, 192, 0], [0, 192, 0], [192, 0, 192], [0, 0, 192], [192, 0, 0],
];

export class TestPatternSource implements FrameSource {
  readonly kind = 'testpattern';
  private running = false;
  private loop: Promise<void> | null = null;
  private count = 0;

  constructor(private readonly cam: CameraConfig) {}

  describe(): string {
    return `testpattern ${this.cam.width}x${this.cam.height}@${this.cam.fps} q${this.cam.quality}`;
  }

  async start(sink: FrameSink): Promise<void> {
    if (this.running) return;
    this.running = true;
    const base = this.background();
    this.loop = this.run(base, sink).catch((err: Error) => {
      if (this.running) sink.fail(err);
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.loop = null;
  }

  private background(): Mat {
    const o = cv();
    const { width: w, height: h } = this.cam;
    const base = new o.Mat(h, w, o.CV_8UC3, [16, 16, 16]);
    const barW = w / BARS.length;
    BARS.forEach(([b, g, r], i) => {
      base.drawRectangle(new o.Point2(Math.round(i * barW), 0), new o.Point2(Math.round((i + 1) * barW) - 1, Math.round(h * 0.66)), new o.Vec3(b, g, r), -1);
    });
    return base;
  }

  private async run(base: Mat, sink: FrameSink): Promise<void> {
    const o = cv();
    const { width: w, height: h, quality } = this.cam;
    const pacer = new Pacer(1000 / this.cam.fps);
    const scale = Math.max(0.4, h / 480);
    const white = new o.Vec3(255, 255, 255);
    while (this.running) {
      await sleep(pacer.delay());
      if (!this.running) break;
      const n = ++this.count;
      const img = base.copy();
      // A bar sweeping left to right: motion that shows at a glance whether frames flow.
      const x = Math.round(((n * 8) % (w + 40)) - 40);
      img.drawRectangle(new o.Point2(Math.max(0, x), 0), new o.Point2(Math.min(w - 1, x + 40), Math.round(h * 0.66)), white, -1);
      const now = new Date();
      const clock = now.toISOString().slice(11, 23);
      img.putText(clock, new o.Point2(Math.round(10 * scale), Math.round(h * 0.78)), o.FONT_HERSHEY_SIMPLEX, 1.1 * scale, white, Math.max(1, Math.round(2 * scale)));
      img.putText(`frame ${n}`, new o.Point2(Math.round(10 * scale), Math.round(h * 0.88)), o.FONT_HERSHEY_SIMPLEX, 0.8 * scale, white, Math.max(1, Math.round(2 * scale)));
      img.putText(`camstream test pattern ${w}x${h}`, new o.Point2(Math.round(10 * scale), Math.round(h * 0.97)), o.FONT_HERSHEY_SIMPLEX, 0.55 * scale, new o.Vec3(160, 160, 160), 1);
      // Encode on libuv's thread pool, off the event loop.
      const t0 = performance.now();
      const jpeg = await o.imencodeAsync('.jpg', img, [o.IMWRITE_JPEG_QUALITY, quality]);
      if (!this.running) break;
      sink.frame(jpeg, { width: w, height: h, encodeMs: performance.now() - t0 });
    }
  }
}
