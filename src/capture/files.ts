// Replays a folder of JPEG files at camera.fps, looping, without decoding or
// re-encoding: the bytes on disk are the bytes served. For demos, tests and
// benchmarks (it isolates the server's cost from the encoder's).
import fs from 'node:fs';
import path from 'node:path';
import { CamstreamError } from '../errors';
import type { Config } from '../config/schema';
import { jpegSize } from '../hub/frame';
import { Pacer, sleep } from './pacer';
import type { FrameSink, FrameSource } from './source';

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
  private running = false;
  private loop: Promise<void> | null = null;
  private count = 0;

  constructor(private readonly cam: CameraConfig) {}

  describe(): string {
    return `files ${this.cam.dir}${this.count ? ` (${this.count} frames)` : ''} @${this.cam.fps}`;
  }

  async start(sink: FrameSink): Promise<void> {
    if (this.running) return;
    const frames = readJpegFolder(this.cam.dir);
    this.count = frames.length;
    const sizes = frames.map((f) => jpegSize(f));
    this.running = true;
    this.loop = this.run(frames, sizes, sink).catch((err: Error) => {
      if (this.running) sink.fail(err);
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.loop = null;
  }

  private async run(frames: Buffer[], sizes: ({ width: number; height: number } | undefined)[], sink: FrameSink): Promise<void> {
    const pacer = new Pacer(1000 / this.cam.fps);
    for (let i = 0; this.running; i = (i + 1) % frames.length) {
      await sleep(pacer.delay());
      if (!this.running) break;
      sink.frame(frames[i], sizes[i]);
    }
  }
}
