// USB (UVC) webcam MJPEG passthrough: ffmpeg reads the camera's own JPEGs from V4L2
// and copies them to stdout (-c:v copy), and we split and serve them as they are.
// No decode, no re-encode: bench/passthrough.ts measures this against OpenCV's
// decode + imencode of the same stream.
//
// Why ffmpeg rather than OpenCV with CAP_PROP_CONVERT_RGB=0: both skip the decode,
// but OpenCV's raw mode is a property of its V4L2 backend that can only be exercised
// with a real camera, while the ffmpeg path is the same code as rpicam-vid's (child
// process → splitter), so it is proven byte-exact in tests without a camera and its
// CPU cost is measured in bench/passthrough.ts against decode + re-encode.
import { execFile } from 'node:child_process';
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { ChildMjpeg } from './child-mjpeg';
import type { FrameSink, FrameSource } from './source';
import { which } from './which';

type CameraConfig = Config['camera'];

/** "0" → "/dev/video0"; paths stay as they are. */
export function v4l2Path(device: string): string {
  return /^\d+$/.test(device) ? `/dev/video${device}` : device;
}

export function v4l2MjpegArgs(cam: Pick<CameraConfig, 'device' | 'width' | 'height' | 'fps'>): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'v4l2', '-input_format', 'mjpeg', '-video_size', `${cam.width}x${cam.height}`, '-framerate', String(cam.fps),
    '-i', v4l2Path(cam.device),
    '-c:v', 'copy', '-f', 'mjpeg', '-',
  ];
}

export interface V4l2Formats {
  compressed: string[];
  raw: string[];
}

/**
 * What a V4L2 device can deliver, from `ffmpeg -f v4l2 -list_formats all`. Lines look
 * like "[video4linux2,v4l2 @ 0x…] Compressed:       mjpeg :          Motion-JPEG : 640x480 …".
 * Resolves null when the device cannot be opened or ffmpeg is missing.
 */
export function probeV4l2Formats(device: string, env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<V4l2Formats | null> {
  const ffmpeg = which('ffmpeg', env.PATH);
  if (!ffmpeg) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(ffmpeg, ['-hide_banner', '-nostdin', '-f', 'v4l2', '-list_formats', 'all', '-i', v4l2Path(device)], { env, timeout: timeoutMs }, (_err, _out, stderr) => {
      // ffmpeg exits non-zero after listing (no output given): judge by what it printed.
      const out: V4l2Formats = { compressed: [], raw: [] };
      for (const m of String(stderr).matchAll(/(Compressed|Raw)\s*:\s*(\S+)\s*:/g)) {
        (m[1] === 'Compressed' ? out.compressed : out.raw).push(m[2]);
      }
      resolve(out.compressed.length + out.raw.length > 0 ? out : null);
    });
  });
}

export class V4l2MjpegSource implements FrameSource {
  readonly kind = 'opencv';
  private readonly child: ChildMjpeg;

  constructor(
    private readonly cam: CameraConfig,
    log: Logger,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = new ChildMjpeg({
      programs: ['ffmpeg'],
      args: v4l2MjpegArgs(cam),
      env,
      log,
      installHint: 'install ffmpeg (apt install ffmpeg) for MJPEG passthrough, or set camera.passthrough to false',
    });
  }

  describe(): string {
    return `v4l2 ${v4l2Path(this.cam.device)} MJPEG ${this.cam.width}x${this.cam.height}@${this.cam.fps} (camera JPEG passthrough via ffmpeg)`;
  }

  async start(sink: FrameSink): Promise<void> {
    this.child.start(sink);
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
