// The Raspberry Pi Camera Module on Bookworm/Trixie: rpicam-vid (libcamera-vid on
// Bullseye, the old name) with --codec mjpeg writes the ISP's JPEGs back to back on
// stdout. We pass them through untouched: on a Pi ≤ 4 they come from the hardware
// encoder, and camstream spends no CPU on pixels. Flips and rotation 180 are done by
// the camera (--hflip, --vflip, --rotation), so they cost nothing either; rotation
// 90/270, which the camera cannot do, is done by camstream (jpeg-turner.ts, costs CPU).
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { ChildMjpeg } from './child-mjpeg';
import { JpegTurner } from './jpeg-turner';
import type { FrameSink, FrameSource } from './source';

type CameraConfig = Config['camera'];

export const LIBCAMERA_PROGRAMS = ['rpicam-vid', 'libcamera-vid'] as const;

/** rpicam-vid's --rotation takes only 0 and 180 (the ISP cannot transpose): 90/270 are left to camstream. */
export function libcameraArgs(cam: Pick<CameraConfig, 'width' | 'height' | 'fps' | 'quality' | 'rotation' | 'hflip' | 'vflip'> & Partial<Pick<CameraConfig, 'index'>>, extra: readonly string[] = []): string[] {
  const args = ['-t', '0', '-n', '--codec', 'mjpeg', '--width', String(cam.width), '--height', String(cam.height), '--framerate', String(cam.fps), '-q', String(cam.quality), '--flush'];
  if (cam.rotation === 180) args.push('--rotation', '180');
  if (cam.hflip) args.push('--hflip');
  if (cam.vflip) args.push('--vflip');
  // Camera 0 is rpicam-vid's default: the argument is only given for another camera.
  if (cam.index) args.push('--camera', String(cam.index));
  // Settings from the page (--lens-position 2, --awb daylight, …: src/settings/libcamera-controls.ts).
  args.push(...extra);
  args.push('-o', '-');
  return args;
}

export class LibcameraSource implements FrameSource {
  readonly kind = 'libcamera';
  private child: ChildMjpeg | null = null;
  private turner: JpegTurner | null = null;

  constructor(
    private readonly cam: CameraConfig,
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv,
    private readonly extraArgs: readonly string[] = [],
  ) {}

  describe(): string {
    const how = turnedBy(this.cam) ? `turned ${turnedBy(this.cam)}° by camstream: decode + re-encode` : 'camera JPEG passthrough';
    const which = this.cam.index ? ` camera ${this.cam.index}` : '';
    return `libcamera ${this.child?.program || LIBCAMERA_PROGRAMS[0]}${which} ${this.cam.width}x${this.cam.height}@${this.cam.fps} q${this.cam.quality} (${how})`;
  }

  async start(sink: FrameSink): Promise<void> {
    this.child ??= new ChildMjpeg({
      programs: LIBCAMERA_PROGRAMS,
      args: libcameraArgs(this.cam, this.extraArgs),
      env: this.env,
      log: this.log,
      installHint: 'install rpicam-apps (apt install rpicam-apps) and enable the camera, or choose another camera.source',
    });
    const turn = turnedBy(this.cam);
    this.turner?.close();
    this.turner = turn ? new JpegTurner(sink, turn, this.cam.quality) : null;
    this.child.start(this.turner ?? sink);
  }

  async stop(): Promise<void> {
    this.turner?.close();
    await this.child?.stop();
  }
}

function turnedBy(cam: Pick<CameraConfig, 'rotation'>): 90 | 270 | null {
  return cam.rotation === 90 || cam.rotation === 270 ? cam.rotation : null;
}
