// source=opencv on a V4L2 device: pass the camera's own JPEGs through when it offers
// MJPEG (ffmpeg -c:v copy, see v4l2-mjpeg.ts), else decode and encode with OpenCV
// (raw formats such as YUYV, rotation by 90/270, flips the camera cannot do itself,
// passthrough off, no ffmpeg). The choice is made at each start, after asking the
// device what it offers, and logged.
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { OpenCvSource } from './opencv';
import { needsOrient } from './orient';
import type { FrameSink, FrameSource } from './source';
import { flipInCamera } from './v4l2-controls';
import { probeV4l2Formats, V4l2MjpegSource } from './v4l2-mjpeg';
import { which } from './which';

type CameraConfig = Config['camera'];

export class UsbCameraSource implements FrameSource {
  readonly kind = 'opencv';
  private active: FrameSource | null = null;
  /** Why passthrough is or is not used, for the log and /api/status. */
  mode = '';

  constructor(
    private readonly cam: CameraConfig,
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  describe(): string {
    return this.active ? this.active.describe() : `opencv v4l2 ${this.cam.device}`;
  }

  async start(sink: FrameSink): Promise<void> {
    const cam = await this.flipByCamera();
    const flipped = cam !== this.cam ? '; flipped by the camera (V4L2 controls)' : '';
    const why = await this.passthroughBlocker(cam);
    if (why === null) {
      this.mode = `passthrough: the camera offers MJPEG${flipped}`;
      this.active = new V4l2MjpegSource(cam, this.log, this.env);
    } else {
      this.mode = `OpenCV decode + encode: ${why}${flipped}`;
      this.active = new OpenCvSource(cam, this.log);
    }
    this.log.info({ device: this.cam.device, mode: this.mode }, 'USB camera mode');
    await this.active.start(sink);
  }

  async stop(): Promise<void> {
    await this.active?.stop();
  }

  /**
   * Flips and 180° by the camera's own controls when it has them, so its JPEGs can
   * still pass through; returns the settings left for OpenCV. The controls are always
   * set (to off when nothing is wanted): they outlive camstream on the device, and a
   * flip removed from the config must not stay on.
   */
  private async flipByCamera(): Promise<CameraConfig> {
    const c = this.cam;
    const square = c.rotation === 0 || c.rotation === 180;
    const turn = c.rotation === 180;
    const want = square ? { hflip: c.hflip !== turn, vflip: c.vflip !== turn } : { hflip: false, vflip: false };
    const done = await flipInCamera(c.device, want, this.env);
    return done && square && needsOrient(c) ? { ...c, rotation: 0, hflip: false, vflip: false } : c;
  }

  /** null when passthrough can be used, else the reason it cannot. */
  private async passthroughBlocker(c: CameraConfig): Promise<string | null> {
    if (!c.passthrough) return 'camera.passthrough is false';
    if (c.fourcc !== '' && c.fourcc.toUpperCase() !== 'MJPG') return `camera.fourcc is ${c.fourcc}, not MJPG`;
    if (needsOrient(c)) return c.rotation === 90 || c.rotation === 270 ? `rotation ${c.rotation} needs a re-encode` : 'the camera cannot flip (no V4L2 flip controls, or v4l2-ctl missing): flipping needs a re-encode';
    if (!which('ffmpeg', this.env.PATH)) return 'ffmpeg is not installed (apt install ffmpeg)';
    const formats = await probeV4l2Formats(c.device, this.env);
    if (!formats) return `could not list ${c.device}'s formats`;
    if (!formats.compressed.includes('mjpeg')) return `the camera offers no MJPEG (it offers ${[...formats.compressed, ...formats.raw].join(', ') || 'nothing'})`;
    return null;
  }
}
