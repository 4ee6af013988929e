// The Raspberry Pi Camera Module on Bookworm/Trixie: rpicam-vid (libcamera-vid on
// Bullseye, the old name) with --codec mjpeg writes the ISP's JPEGs back to back on
// stdout. We pass them through untouched: on a Pi ≤ 4 they come from the hardware
// encoder, and camstream spends no CPU on pixels. Rotation and flips are done by the
// camera (--rotation, --hflip, --vflip), so they cost nothing either.
import type { Config } from '../config/schema';
import { CamstreamError } from '../errors';
import type { Logger } from '../log';
import { ChildMjpeg } from './child-mjpeg';
import type { FrameSink, FrameSource } from './source';

type CameraConfig = Config['camera'];

export const LIBCAMERA_PROGRAMS = ['rpicam-vid', 'libcamera-vid'] as const;

/**
 * rpicam-vid's --rotation takes only 0 and 180 (the ISP cannot transpose); 90/270 would
 * need a decode and re-encode, which defeats the point of this source.
 */
export function libcameraArgs(cam: Pick<CameraConfig, 'width' | 'height' | 'fps' | 'quality' | 'rotation' | 'hflip' | 'vflip'>): string[] {
  if (cam.rotation !== 0 && cam.rotation !== 180) {
    throw new CamstreamError(
      'CAMSTREAM_ERR_CONFIG',
      `camera.rotation: the Pi camera can rotate by 0 or 180 only, got ${cam.rotation}; use hflip/vflip, or source "opencv" to rotate in software`,
    );
  }
  const args = ['-t', '0', '-n', '--codec', 'mjpeg', '--width', String(cam.width), '--height', String(cam.height), '--framerate', String(cam.fps), '-q', String(cam.quality), '--flush'];
  if (cam.rotation === 180) args.push('--rotation', '180');
  if (cam.hflip) args.push('--hflip');
  if (cam.vflip) args.push('--vflip');
  args.push('-o', '-');
  return args;
}

export class LibcameraSource implements FrameSource {
  readonly kind = 'libcamera';
  private child: ChildMjpeg | null = null;

  constructor(
    private readonly cam: CameraConfig,
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  describe(): string {
    return `libcamera ${this.child?.program || LIBCAMERA_PROGRAMS[0]} ${this.cam.width}x${this.cam.height}@${this.cam.fps} q${this.cam.quality} (camera JPEG passthrough)`;
  }

  async start(sink: FrameSink): Promise<void> {
    // Settings the camera cannot do fail here, not at construction: the server still
    // runs and /api/status and the NO SIGNAL picture say what to change.
    this.child ??= new ChildMjpeg({
      programs: LIBCAMERA_PROGRAMS,
      args: libcameraArgs(this.cam),
      env: this.env,
      log: this.log,
      installHint: 'install rpicam-apps (apt install rpicam-apps) and enable the camera, or choose another camera.source',
    });
    this.child.start(sink);
  }

  async stop(): Promise<void> {
    await this.child?.stop();
  }
}
