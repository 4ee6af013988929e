// source=opencv on a V4L2 device: pass the camera's own JPEGs through when it offers
// MJPEG (ffmpeg -c:v copy, see v4l2-mjpeg.ts), else decode and encode with OpenCV
// (raw formats such as YUYV, rotation/flip, passthrough off, no ffmpeg). The choice is
// made at each start, after asking the device what it offers, and logged.
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { OpenCvSource } from './opencv';
import { needsOrient } from './orient';
import type { FrameSink, FrameSource } from './source';
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
    const why = await this.passthroughBlocker();
    if (why === null) {
      this.mode = 'passthrough: the camera offers MJPEG';
      this.active = new V4l2MjpegSource(this.cam, this.log, this.env);
    } else {
      this.mode = `OpenCV decode + encode: ${why}`;
      this.active = new OpenCvSource(this.cam, this.log);
    }
    this.log.info({ device: this.cam.device, mode: this.mode }, 'USB camera mode');
    await this.active.start(sink);
  }

  async stop(): Promise<void> {
    await this.active?.stop();
  }

  /** null when passthrough can be used, else the reason it cannot. */
  private async passthroughBlocker(): Promise<string | null> {
    const c = this.cam;
    if (!c.passthrough) return 'camera.passthrough is false';
    if (c.fourcc !== '' && c.fourcc.toUpperCase() !== 'MJPG') return `camera.fourcc is ${c.fourcc}, not MJPG`;
    if (needsOrient(c)) return 'rotation/flip needs a re-encode';
    if (!which('ffmpeg', this.env.PATH)) return 'ffmpeg is not installed (apt install ffmpeg)';
    const formats = await probeV4l2Formats(c.device, this.env);
    if (!formats) return `could not list ${c.device}'s formats`;
    if (!formats.compressed.includes('mjpeg')) return `the camera offers no MJPEG (it offers ${[...formats.compressed, ...formats.raw].join(', ') || 'nothing'})`;
    return null;
  }
}
