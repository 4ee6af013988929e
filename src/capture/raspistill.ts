// The legacy camera stack (32-bit Bullseye with the legacy camera enabled): repeated
// stills through node-raspistill. Each still starts raspistill afresh (camera init,
// exposure settle, full-resolution capture, JPEG file), so expect roughly 0.5-2 fps
// whatever camera.fps says; the measured rate is logged after the first frames.
// Bookworm and Trixie have no raspistill: use source "libcamera" there.
import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// Types only at load: node-raspistill (and its file-type, image-type, cla-mapper) is
// loaded when this source starts, so every other source never loads it (issue 14:
// memory and start-up on small boards).
import type { Raspistill, IRaspistillExecutor } from 'node-raspistill';
import type { Config } from '../config/schema';
import { CamstreamError } from '../errors';
import type { Logger } from '../log';
import type { FrameSink, FrameSource } from './source';
import { which } from './which';

type CameraConfig = Config['camera'];

/** raspistill's -t: ms the camera runs before the still; shorter risks exposure not having settled. */
export const RASPISTILL_SETTLE_MS = 200;
export const RASPISTILL_EXPECTED_FPS = '0.5-2';

/**
 * Where the stills' folder goes: a RAM file system, since every frame is a file and SD
 * cards wear out (Raspberry Pi OS up to Bookworm keeps /tmp on the SD card, and the
 * unit's PrivateTmp= keeps it there). systemd's RUNTIME_DIRECTORY if set, else
 * /dev/shm, else the temp folder.
 */
export function stillsParent(env: NodeJS.ProcessEnv): string {
  for (const dir of [env.RUNTIME_DIRECTORY, '/dev/shm']) {
    if (!dir) continue;
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      return dir;
    } catch {
      // not there or not ours: try the next
    }
  }
  return os.tmpdir();
}

/**
 * node-raspistill runs `raspistill` from process.env's PATH. This executor runs the
 * program we resolved on the PATH we were given, with that environment, so the
 * library's argument mapping and file watching are used unchanged.
 */
class PathExecutor implements IRaspistillExecutor {
  private child: ChildProcess | null = null;
  constructor(
    private readonly program: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  exec(args: string[]): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.child = execFile(this.program, args, { env: this.env, encoding: 'buffer', maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
        this.child = null;
        if (err) {
          const said = stderr.toString('utf8').trim().split('\n').slice(-3).join(' | ');
          reject(new CamstreamError('CAMSTREAM_ERR_SOURCE', `raspistill failed (${err.code ?? err.signal ?? 'error'})${said ? `: ${said}` : ''}`));
        } else resolve(stdout);
      });
    });
  }

  spawnAndGetImage(): Promise<Buffer> {
    return Promise.reject(new Error('not used: camstream saves stills to files'));
  }

  spawnAndGetImages(): Promise<void> {
    return Promise.reject(new Error('not used: camstream saves stills to files'));
  }

  killProcess(): void {
    this.child?.kill('SIGTERM');
  }
}

export class RaspistillSource implements FrameSource {
  readonly kind = 'raspistill';
  private running = false;
  private loop: Promise<void> | null = null;
  private camera: Raspistill | null = null;
  private dir: string | null = null;
  private fps = 0;

  constructor(
    private readonly cam: CameraConfig,
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  describe(): string {
    return `raspistill ${this.cam.width}x${this.cam.height} q${this.cam.quality} (stills, ${this.fps ? `${this.fps.toFixed(2)} fps measured` : `about ${RASPISTILL_EXPECTED_FPS} fps`})`;
  }

  async start(sink: FrameSink): Promise<void> {
    if (this.running) return;
    const program = which('raspistill', this.env.PATH);
    if (!program) {
      throw new CamstreamError(
        'CAMSTREAM_ERR_NO_DEVICE',
        'raspistill not found on PATH: it exists only on 32-bit Bullseye with the legacy camera enabled; on Bookworm/Trixie use camera.source "libcamera"',
      );
    }
    this.dir = fs.mkdtempSync(path.join(stillsParent(this.env), 'camstream-stills-'));
    const c = this.cam;
    const { Raspistill } = await import('node-raspistill');
    this.camera = new Raspistill(
      {
        outputDir: this.dir,
        encoding: 'jpg',
        noPreview: true,
        width: c.width,
        height: c.height,
        quality: c.quality,
        time: RASPISTILL_SETTLE_MS,
        ...(c.rotation ? { rotation: c.rotation } : {}),
        horizontalFlip: c.hflip,
        verticalFlip: c.vflip,
      },
      undefined,
      new PathExecutor(program, this.env),
    );
    this.log.info({ program, expectedFps: RASPISTILL_EXPECTED_FPS, askedFps: c.fps }, 'raspistill: one still per frame, so expect a low frame rate');
    this.running = true;
    this.loop = this.run(this.camera, this.dir, sink).catch((err: Error) => {
      if (this.running) {
        this.running = false;
        sink.fail(err);
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    // Kills raspistill and closes the file watcher; the pending still rejects.
    this.camera?.stop();
    await this.loop;
    this.loop = null;
    this.camera = null;
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  private async run(camera: Raspistill, dir: string, sink: FrameSink): Promise<void> {
    const first = performance.now();
    const minGap = 1000 / this.cam.fps;
    for (let n = 1; this.running; n++) {
      const t0 = performance.now();
      const name = `still-${n}`;
      const photo = await camera.takePhoto(name);
      if (!this.running) break;
      fs.rm(path.join(dir, `${name}.jpg`), { force: true }, () => {});
      if (!photo || photo.length < 4 || photo[0] !== 0xff || photo[1] !== 0xd8) {
        throw new CamstreamError('CAMSTREAM_ERR_SOURCE', `raspistill wrote ${photo ? `${photo.length} bytes that are not a JPEG` : 'no file'}`);
      }
      sink.frame(photo);
      if (n === 5) {
        this.fps = (5 * 1000) / (performance.now() - first);
        this.log.info({ fps: Math.round(this.fps * 100) / 100 }, 'raspistill frame rate measured');
      }
      // Never faster than camera.fps, if raspistill ever manages more.
      const wait = minGap - (performance.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
}
