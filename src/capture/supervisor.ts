// Runs one frame source and keeps it running: publishes its frames to the hub and
// restarts it with capped exponential backoff when it fails.
import type { Logger } from '../log';
import type { FrameHub } from '../hub/frame-hub';
import type { FrameSource } from './source';
import type { SourceState, SourceStatus } from './status';

export interface SupervisorOptions {
  source: FrameSource;
  hub: FrameHub;
  log: Logger;
  /** First restart delay, ms; doubles per consecutive failure up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
}

export class Supervisor {
  readonly status: SourceStatus;
  private running = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private generation = 0;
  private readonly now: () => number;

  constructor(private readonly opts: SupervisorOptions) {
    this.now = opts.now ?? Date.now;
    this.status = {
      kind: opts.source.kind,
      description: opts.source.describe(),
      state: 'stopped',
      reason: null,
      since: this.now(),
      restarts: 0,
    };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.launch();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.opts.source.stop();
    this.setState('stopped', null);
  }

  private async launch(): Promise<void> {
    const gen = ++this.generation;
    this.setState('starting', this.status.reason);
    const sink = {
      frame: (jpeg: Buffer, info?: { width: number; height: number }) => {
        if (gen !== this.generation) return; // a late frame from a stopped run
        if (this.status.state !== 'live') {
          this.failures = 0;
          this.setState('live', null);
        }
        this.opts.hub.publish(jpeg, info);
      },
      fail: (err: Error) => {
        if (gen === this.generation) this.onFailure(err);
      },
    };
    try {
      await this.opts.source.start(sink);
      this.status.description = this.opts.source.describe();
    } catch (err) {
      if (gen === this.generation) this.onFailure(err as Error);
    }
  }

  private onFailure(err: Error): void {
    if (!this.running) return;
    this.generation++;
    this.failures++;
    const min = this.opts.minBackoffMs ?? 500;
    const max = this.opts.maxBackoffMs ?? 30000;
    const delay = Math.min(max, min * 2 ** (this.failures - 1));
    this.setState('offline', err.message);
    this.opts.log.warn({ err: err.message, retryInMs: delay, failures: this.failures }, 'camera source failed; restarting');
    void this.opts.source.stop().finally(() => {
      if (!this.running) return;
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        this.status.restarts++;
        void this.launch();
      }, delay);
    });
  }

  private setState(state: SourceState, reason: string | null): void {
    if (this.status.state !== state) this.opts.log.info({ state, reason }, 'camera state');
    this.status.state = state;
    this.status.reason = reason;
    this.status.since = this.now();
  }
}
