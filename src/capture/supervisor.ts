// Runs one frame source and keeps it running. It publishes the source's frames to
// the hub; when the source errors, exits, or goes quiet for stallTimeoutMs it stops
// it and starts it again after a capped exponential backoff. While the camera is
// down it publishes a NO SIGNAL picture (live=false) about once a second, so
// connected viewers keep their connection, see why, and get live frames again on the
// same connection when the camera is back (µStreamer's "NO LIVE VIDEO" behaviour).
//
//            start()                 first frame
//   stopped ─────────► starting ───────────────────► live
//                        ▲  │ error/exit/no frame      │ error/exit/stall
//       backoff elapsed  │  ▼                          ▼
//                        └─ offline ◄──────────────────┘     (NO SIGNAL at ~1 fps)
//
//   idle policy "stop": no viewers for idleTimeoutMs → idle (camera released);
//   next viewer → starting.
import { CamstreamError } from '../errors';
import type { Logger } from '../log';
import type { FrameHub } from '../hub/frame-hub';
import type { NoSignalRender } from './no-signal';
import type { FrameInfo, FrameSource } from './source';
import type { SourceState, SourceStatus } from './status';
import { monotonicNow } from '../clock';

/** How long source.start() (opening the device) may take before it counts as failed, ms. */
export const START_TIMEOUT_MS = 15000;

export interface SupervisorOptions {
  source: FrameSource;
  hub: FrameHub;
  log: Logger;
  /** First restart delay, ms; doubles per consecutive failure up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** No frame for this long (including after a start) = failed, ms. */
  stallTimeoutMs?: number;
  /** Live this long without failing resets the backoff, ms. */
  healthyAfterMs?: number;
  /** Draws the NO SIGNAL picture; null = publish nothing while down. */
  noSignal?: NoSignalRender | null;
  /** How often the NO SIGNAL picture is published while down, ms. */
  noSignalIntervalMs?: number;
  /** Stop the camera after this long without viewers (camera.idle=stop); undefined = keep capturing. */
  idleTimeoutMs?: number;
  now?: () => number;
}

/** What a config reload may change in a running supervisor. */
export type ReplaceOptions = Pick<SupervisorOptions, 'source' | 'noSignal' | 'minBackoffMs' | 'maxBackoffMs' | 'stallTimeoutMs' | 'idleTimeoutMs'>;

export class Supervisor {
  readonly status: SourceStatus;
  private running = false;
  private failures = 0;
  private generation = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private ticker: NodeJS.Timeout | null = null;
  /** While live, instead of the ticker: one check when the stall timeout would run out. */
  private stallCheck: NodeJS.Timeout | null = null;
  private launchedAt = 0;
  /** source.start() has not resolved yet (opening the device, auto-detecting). */
  private starting = false;
  private lastFrameAt: number | null = null;
  private liveSince = 0;
  /** When the last live frame / the last NO SIGNAL frame was published. */
  private lastPublishAt = -Infinity;
  private lastNoSignalAt = -Infinity;
  private rendering = false;
  /** The last source.stop() in flight; a start waits for it so two runs never overlap. */
  private stopped: Promise<void> = Promise.resolve();
  private viewers = 0;
  private readonly now: () => number;
  private min: number;
  private max: number;
  private stallMs: number;
  private readonly noSignalMs: number;

  constructor(private readonly opts: SupervisorOptions) {
    this.now = opts.now ?? monotonicNow;
    this.min = opts.minBackoffMs ?? 500;
    this.max = Math.max(this.min, opts.maxBackoffMs ?? 30000);
    this.stallMs = opts.stallTimeoutMs ?? 5000;
    this.noSignalMs = opts.noSignalIntervalMs ?? 1000;
    this.status = {
      kind: opts.source.kind,
      description: opts.source.describe(),
      state: 'stopped',
      reason: null,
      since: this.now(),
      restarts: 0,
      failures: 0,
      nextRestartAt: null,
    };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.pace();
    if (this.opts.idleTimeoutMs !== undefined && this.viewers === 0) this.armIdle();
    await this.launch();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    for (const t of [this.restartTimer, this.idleTimer]) if (t) clearTimeout(t);
    this.pace();
    this.restartTimer = this.idleTimer = null;
    await this.stopSource();
    this.status.nextRestartAt = null;
    this.setState('stopped', null);
  }

  /**
   * A config reload changed camera settings: stop the running source and run `next`
   * (built from the new settings) in its place. Viewers stay connected: they get a
   * NO SIGNAL frame at once (drawn by the new renderer, so at the new size), NO
   * SIGNAL about once a second while the new camera opens, then its frames.
   * Resolves once the new camera delivers a frame, fails, or waitMs passes, with how
   * long the live picture was down (old camera's last frame to the new one's first),
   * or null when there was no new frame in time (the supervisor keeps trying).
   */
  async replace(next: ReplaceOptions, reason: string, waitMs = 20000): Promise<number | null> {
    // The running source is stopped below, not the new one: assigning `next` first and
    // then stopping `this.opts.source` left the old camera running (a Pi camera held,
    // a test pattern looping forever).
    const old = this.opts.source;
    Object.assign(this.opts, next);
    this.min = this.opts.minBackoffMs ?? 500;
    this.max = Math.max(this.min, this.opts.maxBackoffMs ?? 30000);
    this.stallMs = this.opts.stallTimeoutMs ?? 5000;
    this.failures = 0;
    this.status.failures = 0;
    this.status.kind = next.source.kind;
    this.status.description = next.source.describe();
    delete this.status.selected;
    if (this.opts.idleTimeoutMs === undefined && this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    if (!this.running) return null;
    const lastLive = this.lastFrameAt;
    // From here the old camera's late frames are ignored (their generation is stale).
    const gen = ++this.generation;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.status.nextRestartAt = null;
    const idle = this.status.state === 'idle';
    if (idle && this.opts.idleTimeoutMs !== undefined) return null; // the next viewer starts the new camera
    this.setState('starting', reason);
    const render = this.opts.noSignal;
    if (render) {
      try {
        const jpeg = await render(reason, new Date(this.now()));
        if (gen === this.generation && this.running) {
          this.lastNoSignalAt = this.now();
          this.opts.hub.publish(jpeg, undefined, false);
        }
      } catch (err) {
        this.opts.log.error({ err: (err as Error).message }, 'could not draw the NO SIGNAL frame');
      }
    }
    if (gen !== this.generation || !this.running) {
      // Stopped or replaced again meanwhile: the old source must still go.
      if (old !== this.opts.source) await this.stopSource(old);
      return null;
    }
    await this.stopSource(old);
    if (gen !== this.generation || !this.running) return null;
    this.lastPublishAt = this.now();
    void this.launch();
    if (this.opts.idleTimeoutMs !== undefined && this.viewers === 0 && !this.idleTimer) this.armIdle();
    const deadline = this.now() + waitMs;
    while (this.running && this.status.state === 'starting' && this.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (this.status.state !== 'live' || lastLive === null) return null;
    // Whole ms: the monotonic clock has sub-ms fractions nobody needs in a log line.
    const gap = Math.round(this.liveSince - lastLive);
    this.opts.log.info({ gapMs: gap, source: this.status.description }, 'camera restarted with the new settings');
    return gap;
  }

  /** Tell the supervisor how many viewers watch now (for camera.idle=stop). */
  viewersChanged(count: number): void {
    this.viewers = count;
    if (this.opts.idleTimeoutMs === undefined || !this.running) return;
    if (count > 0) {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = null;
      if (this.status.state === 'idle') {
        this.opts.log.info({ viewers: count }, 'viewer arrived: starting the camera');
        void this.launch();
      }
    } else if (!this.idleTimer && this.status.state !== 'idle') {
      this.armIdle();
    }
  }

  private armIdle(): void {
    const ms = this.opts.idleTimeoutMs ?? 0;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.running && this.viewers === 0) void this.goIdle(ms);
    }, ms);
    this.idleTimer.unref();
  }

  private async goIdle(ms: number): Promise<void> {
    this.generation++;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.status.nextRestartAt = null;
    this.failures = 0;
    this.setState('idle', `no viewers for ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`}: camera stopped until the next viewer`);
    await this.stopSource();
  }

  private async launch(): Promise<void> {
    const gen = ++this.generation;
    this.launchedAt = this.now();
    this.lastFrameAt = null;
    this.status.nextRestartAt = null;
    this.setState('starting', this.status.state === 'offline' ? this.status.reason : null);
    const sink = {
      frame: (jpeg: Buffer, info?: FrameInfo) => {
        if (gen !== this.generation) return; // a late frame from a stopped run
        this.onFrame(jpeg, info);
      },
      fail: (err: Error) => {
        if (gen === this.generation) this.onFailure(err);
      },
      switched: () => {
        if (gen !== this.generation) return;
        this.describeSource();
        // The new camera gets the same wait for its first frame as a fresh start.
        this.launchedAt = this.now();
        this.lastFrameAt = null;
        this.opts.log.info({ description: this.status.description }, 'camera source switched');
      },
    };
    try {
      await this.stopped;
      if (gen !== this.generation) return;
      this.starting = true;
      await this.opts.source.start(sink);
      if (gen !== this.generation) return;
      // The device is open: the wait for a first frame counts from here.
      this.launchedAt = this.now();
      this.starting = false;
      this.describeSource();
    } catch (err) {
      if (gen !== this.generation) return;
      this.starting = false;
      this.onFailure(err as Error);
    }
  }

  private describeSource(): void {
    this.status.description = this.opts.source.describe();
    const selected = this.opts.source.selection?.();
    if (selected) this.status.selected = selected;
  }

  private onFrame(jpeg: Buffer, info?: FrameInfo): void {
    const t = this.now();
    this.lastFrameAt = t;
    if (this.status.state !== 'live') {
      if (this.failures > 0) this.opts.log.info({ afterFailures: this.failures }, 'camera is live again');
      this.liveSince = t;
      this.setState('live', null);
    } else if (this.failures > 0 && t - this.liveSince >= (this.opts.healthyAfterMs ?? 10000)) {
      // Only a camera that stays up earns a fresh backoff; one that crashes after
      // each first frame must not restart in a tight loop.
      this.failures = 0;
      this.status.failures = 0;
    }
    this.lastPublishAt = t;
    this.opts.hub.publish(jpeg, info, true);
  }

  private onFailure(err: Error): void {
    if (!this.running) return;
    const gen = ++this.generation;
    this.failures++;
    this.status.failures = this.failures;
    const delay = Math.min(this.max, this.min * 2 ** Math.min(30, this.failures - 1));
    this.status.nextRestartAt = this.now() + delay;
    this.setState('offline', err.message);
    this.opts.log.warn({ err: err.message, code: (err as CamstreamError).code, retryInMs: delay, failures: this.failures }, 'camera source failed; restarting');
    // Release the device now, while the backoff runs; the restart waits for it.
    const stopped = this.stopSource();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void stopped.then(() => {
        if (!this.running || gen !== this.generation) return;
        this.status.restarts++;
        void this.launch();
      });
    }, delay);
  }

  /** source.stop(), bounded: a source that will not stop must not wedge the supervisor. */
  private stopSource(source: FrameSource = this.opts.source): Promise<void> {
    this.stopped = this.boundedStop(source);
    return this.stopped;
  }

  private async boundedStop(source: FrameSource): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.opts.log.error('camera source did not stop within 5 s; carrying on');
        resolve();
      }, 5000);
      timer.unref();
    });
    try {
      await Promise.race([source.stop().catch((err: Error) => this.opts.log.warn({ err: err.message }, 'camera source stop failed')), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Keeps the right timer for the state. Starting or offline: a ticker (a few times a
   * second, whatever the frame rate) does the start checks and the NO SIGNAL pacing.
   * Live: only the stall check is due, and only when stallTimeoutMs would run out after
   * the last frame: one wake-up per stall timeout instead of four a second, which a Pi
   * with the camera on and nobody watching pays for (issue 14). Idle or stopped: none.
   */
  private pace(): void {
    const state = this.running ? this.status.state : 'stopped';
    if (state !== 'live' && this.stallCheck) {
      clearTimeout(this.stallCheck);
      this.stallCheck = null;
    }
    if ((state === 'live' || state === 'idle' || state === 'stopped') && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
    if (state === 'live' && !this.stallCheck) {
      const wait = (this.lastFrameAt ?? this.now()) + this.stallMs - this.now();
      this.stallCheck = setTimeout(() => {
        this.stallCheck = null;
        this.tick(); // stalled: fails the source (and the state change starts the ticker)
        this.pace(); // else: check again when the newest frame's timeout runs out
      }, Math.max(0, wait) + 1);
      this.stallCheck.unref();
    } else if ((state === 'starting' || state === 'offline') && !this.ticker) {
      const every = Math.max(50, Math.min(250, Math.floor(Math.min(this.stallMs, this.noSignalMs) / 4)));
      this.ticker = setInterval(() => this.tick(), every);
      this.ticker.unref();
    }
  }

  private tick(): void {
    if (!this.running) return;
    const t = this.now();
    const state = this.status.state;
    if (state === 'starting' || state === 'live') {
      const quietFor = t - (this.lastFrameAt ?? this.launchedAt);
      // Opening a device (or auto-detecting one) may take longer than a frame gap,
      // but a start that never returns must still be caught.
      const limit = this.starting ? Math.max(this.stallMs, START_TIMEOUT_MS) : this.stallMs;
      if (quietFor > limit) {
        const what = this.starting
          ? `did not open within ${limit} ms`
          : this.lastFrameAt === null
            ? `no first frame within ${limit} ms of starting`
            : `no frame for ${limit} ms`;
        this.starting = false;
        this.onFailure(new CamstreamError('CAMSTREAM_ERR_SOURCE', `${this.opts.source.kind}: ${what}`));
        return;
      }
    }
    // Down after a failure: NO SIGNAL at once, then every noSignalMs. A first start
    // gets noSignalMs of grace, so a camera that is quick to start never flashes it.
    const due =
      state === 'offline' || (state === 'starting' && this.failures > 0)
        ? t - this.lastNoSignalAt >= this.noSignalMs
        : state === 'starting' && t - Math.max(this.launchedAt, this.lastNoSignalAt, this.lastPublishAt) >= this.noSignalMs;
    if (due) this.publishNoSignal(t);
  }

  private publishNoSignal(t: number): void {
    const render = this.opts.noSignal;
    if (!render || this.rendering) return;
    this.rendering = true;
    this.lastNoSignalAt = t;
    const reason = this.status.state === 'offline' ? (this.status.reason ?? 'camera failed') : `starting ${this.status.description}${this.status.reason ? ` (last error: ${this.status.reason})` : ''}`;
    const gen = this.generation;
    render(reason, new Date()) // wall time: drawn for people to read
      .then((jpeg) => {
        // A live frame may have arrived while drawing: never cover it with NO SIGNAL.
        const state = this.status.state;
        if (this.running && gen === this.generation && (state === 'starting' || state === 'offline')) this.opts.hub.publish(jpeg, undefined, false);
      })
      .catch((err: Error) => this.opts.log.error({ err: err.message }, 'could not draw the NO SIGNAL frame'))
      .finally(() => {
        this.rendering = false;
      });
  }

  private setState(state: SourceState, reason: string | null): void {
    // A restart for a new reason (settings, a reload) while the camera was already starting
    // is logged too: the operator reads why the camera restarted, not only that it did.
    if (this.status.state !== state || (state === 'starting' && this.status.reason !== reason)) this.opts.log.info({ state, reason }, 'camera state');
    else if (this.status.reason === reason) return;
    this.status.state = state;
    this.status.reason = reason;
    this.status.since = this.now();
    this.pace();
  }
}
