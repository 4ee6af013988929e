// A camera that is a child process writing back-to-back JPEGs on stdout
// (rpicam-vid --codec mjpeg, ffmpeg -c:v copy -f mjpeg). Its stdout goes through the
// splitter and each JPEG goes to the sink as is: no decode, no re-encode. Its stderr
// goes to the log (and its last lines into the failure reason, so /api/status can say
// "rpicam-vid exited with code 255: ERROR: *** no cameras available ***").
import { spawn, type ChildProcess } from 'node:child_process';
import { CamstreamError } from '../errors';
import type { Logger } from '../log';
import { JpegSplitter } from './jpeg-splitter';
import type { FrameSink } from './source';
import { whichFirst } from './which';

export interface ChildMjpegOptions {
  /** Program names to try in order, e.g. ["rpicam-vid", "libcamera-vid"]. */
  programs: readonly string[];
  args: readonly string[];
  /** Environment for the child; its PATH is where the program is looked up. */
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** What to tell the user when none of the programs is installed. */
  installHint: string;
  /** How long stop() waits after SIGTERM before SIGKILL, ms. */
  killAfterMs?: number;
}

const STDERR_TAIL = 5;

export class ChildMjpeg {
  private child: ChildProcess | null = null;
  private exited: Promise<void> | null = null;
  private stopping = false;
  private tail: string[] = [];
  /** The program actually run (after the fallback), for describe(). */
  program = '';

  constructor(private readonly opts: ChildMjpegOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(sink: FrameSink): void {
    const found = whichFirst(this.opts.programs, this.opts.env.PATH);
    if (!found) {
      throw new CamstreamError('CAMSTREAM_ERR_NO_DEVICE', `${this.opts.programs.join(' or ')} not found on PATH: ${this.opts.installHint}`);
    }
    this.program = found.name;
    this.stopping = false;
    this.tail = [];
    const log = this.opts.log;
    log.info({ program: found.path, args: this.opts.args }, 'starting camera process');
    const child = spawn(found.path, this.opts.args, { env: this.opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const splitter = new JpegSplitter((jpeg) => {
      if (!this.stopping) sink.frame(jpeg);
    });
    child.stdout!.on('data', (chunk: Buffer) => splitter.push(chunk));
    let partial = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      const lines = (partial + s).split(/\r?\n|\r/);
      partial = lines.pop() ?? '';
      for (const line of lines) this.stderrLine(line);
    });
    let spawnError: Error | null = null;
    child.on('error', (err) => {
      spawnError = err;
    });
    this.exited = new Promise<void>((resolve) => {
      child.once('close', (code, signal) => {
        if (partial) this.stderrLine(partial);
        this.child = null;
        resolve();
        if (this.stopping) return;
        const why = spawnError ? `could not run ${found.path}: ${spawnError.message}` : `${found.name} exited ${signal ? `on ${signal}` : `with code ${code}`}`;
        const detail = this.tail.length ? `: ${this.tail.join(' | ')}` : '';
        log.warn({ code, signal, frames: splitter.stats.frames, skippedBytes: splitter.stats.skippedBytes }, 'camera process ended');
        sink.fail(new CamstreamError('CAMSTREAM_ERR_SOURCE', `${why}${detail}`));
      });
    });
  }

  /** SIGTERM, then SIGKILL if it lingers; resolves once it has exited. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        // A grandchild may still hold the pipes open; 'close' waits for them otherwise.
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, this.opts.killAfterMs ?? 2000);
      await this.exited;
      clearTimeout(timer);
    } else {
      await this.exited;
    }
    this.exited = null;
  }

  private stderrLine(line: string): void {
    const l = line.trim();
    if (!l) return;
    // rpicam-vid's per-frame status lines ("#42 (30.00 fps) exp …") say nothing about a failure.
    if (!/^#\d+ /.test(l)) this.tail.push(l);
    if (this.tail.length > STDERR_TAIL) this.tail.shift();
    // rpicam-vid prints a status line per frame: debug, never info.
    if (/error|fail|fatal|cannot|unable|no cameras/i.test(l)) this.opts.log.warn({ stderr: l }, 'camera process says');
    else this.opts.log.debug({ stderr: l }, 'camera process says');
  }
}
