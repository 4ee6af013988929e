// Replays a folder of JPEG files at camera.fps, looping, without decoding or
// re-encoding: the bytes on disk are the bytes served. For demos, tests and
// benchmarks (it isolates the server's cost from the encoder's).
import fs from 'node:fs';
import path from 'node:path';
import { CamstreamError } from '../errors';
import type { Config } from '../config/schema';
import { jpegSize } from '../hub/frame';
import { Pacer } from './pacer';
import type { FrameInfo, FrameSink, FrameSource } from './source';

type CameraConfig = Config['camera'];

export function readJpegFolder(dir: string): Buffer[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    throw new CamstreamError('CAMSTREAM_ERR_NO_DEVICE', `camera.dir ${dir}: cannot read folder (${(err as Error).message})`);
  }
  const files = names.filter((n) => /\.jpe?g$/i.test(n)).sort();
  const frames: Buffer[] = [];
  for (const name of files) {
    const buf = fs.readFileSync(path.join(dir, name));
    if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) continue; // not a JPEG; skip rather than serve garbage
    frames.push(buf);
  }
  if (frames.length === 0) {
    throw new CamstreamError('CAMSTREAM_ERR_NO_DEVICE', `camera.dir ${dir}: no JPEG files (*.jpg, *.jpeg) found`);
  }
  return frames;
}

export class FilesSource implements FrameSource {
  readonly kind = 'files';
  private timer: NodeJS.Timeout | null = null;
  private count = 0;

  constructor(private readonly cam: CameraConfig) {}

  describe(): string {
    return `files ${this.cam.dir}${this.count ? ` (${this.count} frames)` : ''} @${this.cam.fps}`;
  }

  async start(sink: FrameSink): Promise<void> {
    if (this.timer) return;
    const frames = readJpegFolder(this.cam.dir);
    this.count = frames.length;
    // The same Buffers every loop: kept, so the hub does not count them as new frame memory.
    const infos: FrameInfo[] = frames.map((f) => ({ ...(jpegSize(f) ?? { width: 0, height: 0 }), kept: true }));
    const pacer = new Pacer(1000 / this.cam.fps);
    let i = 0;
    // One callback for every frame, no promise or closure per frame: at 0-3 viewers
    // the per-frame overhead is most of what the server spends (issue 14).
    const tick = (): void => {
      if (!this.timer) return;
      try {
        sink.frame(frames[i], infos[i]);
      } catch (err) {
        this.timer = null;
        sink.fail(err as Error);
        return;
      }
      i = (i + 1) % frames.length;
      this.timer = setTimeout(tick, pacer.delay());
    };
    this.timer = setTimeout(tick, pacer.delay());
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
