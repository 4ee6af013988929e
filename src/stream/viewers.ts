// The set of connected streaming viewers: fans each hub frame out to them, drops
// viewers that stall, and logs each viewer once when it comes and once when it goes.
import type { Socket } from 'node:net';
import type { Logger } from '../log';
import type { FrameHub } from '../hub/frame-hub';
import type { Frame } from '../hub/frame';
import { Viewer, type Principal } from './viewer';
import type { VariantEncoder } from './variants';
import { monotonicNow } from '../clock';

/**
 * Up to this many viewers, each copies a frame into a buffer of its own, reused, rather
 * than all sharing one new Buffer per frame (viewer.ts, wire.ts partInto): below it the
 * copies cost less than the fresh Buffer's page faults and garbage (issue 14).
 */
export const FEW_VIEWERS = 4;

export interface ViewersOptions {
  hub: FrameHub;
  log: Logger;
  stallTimeoutMs: number;
  now?: () => number;
  /** Called with the new number of viewers whenever one joins or leaves (camera idle policy). */
  onCountChange?: (count: number) => void;
  /** The camera's stream.variants encoder; absent = no variants. */
  variants?: VariantEncoder;
}

export class Viewers {
  private readonly viewers = new Set<Viewer>();
  private nextId = 1;
  private unsubscribe: (() => void) | null = null;
  private unsubscribeVariants: (() => void) | null = null;
  /** Each variant viewer's hold on its variant (the encoder works only while held). */
  private readonly holds = new Map<Viewer, () => void>();
  private stallTimer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  readonly counters = { connected: 0, disconnected: 0, stalled: 0, framesSent: 0, framesDropped: 0, bytesSent: 0 };

  constructor(private readonly opts: ViewersOptions) {
    this.now = opts.now ?? monotonicNow;
  }

  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.opts.hub.subscribe(this.fanOut);
    this.unsubscribeVariants = this.opts.variants?.subscribe(this.fanOutVariant) ?? null;
  }

  /** stream.stallTimeoutMs changed (config reload): applies to every viewer from now on. */
  setStallTimeout(ms: number): void {
    if (ms === this.opts.stallTimeoutMs) return;
    this.opts.stallTimeoutMs = ms;
    if (this.stallTimer) {
      clearInterval(this.stallTimer);
      this.stallTimer = null;
      this.startStallTimer();
    }
  }

  /** stream.maxFps changed (config reload): re-cap every viewer, keeping what each asked for with ?fps. */
  setMaxFps(maxFps: number): void {
    for (const v of this.viewers) v.maxFps = Math.min(v.requestedFps ?? maxFps, maxFps);
  }

  /** End the streams `pred` picks (a reload removed their user, token or network); returns how many. */
  closeWhere(pred: (v: Viewer) => boolean, reason: string): number {
    let n = 0;
    for (const v of [...this.viewers]) {
      if (pred(v)) {
        v.close(reason);
        n++;
      }
    }
    return n;
  }

  private startStallTimer(): void {
    // One timer for all viewers, not one per viewer. A stalled socket never completes its write,
    // so it is found here even when no frames arrive. It runs only while some viewer's socket
    // holds a frame it has not taken (Viewer's onBusy starts it, dropStalled stops it once all
    // keep up): a viewer on the LAN takes each frame at once, and the check would wake the
    // process once a second for nothing (issue 14).
    if (this.stallTimer || this.viewers.size === 0) return;
    const every = Math.max(100, Math.min(1000, Math.floor(this.opts.stallTimeoutMs / 4)));
    this.stallTimer = setInterval(() => this.dropStalled(), every);
    this.stallTimer.unref();
  }

  add(
    socket: Socket,
    address: string,
    maxFps: number,
    onClose?: () => void,
    who: { requestedFps?: number; principal?: Principal; variant?: string | null; auto?: boolean } = {},
  ): Viewer {
    const viewer: Viewer = new Viewer({
      id: this.nextId++,
      address,
      socket,
      maxFps,
      requestedFps: who.requestedFps,
      principal: who.principal,
      now: this.now,
      latest: () => this.latestFor(viewer),
      fewViewers: this.fewViewers,
      onBusy: () => this.startStallTimer(),
      onClose: (v, reason) => {
        this.viewers.delete(v);
        this.holds.get(v)?.();
        this.holds.delete(v);
        if (this.viewers.size === 0 && this.stallTimer) {
          clearInterval(this.stallTimer);
          this.stallTimer = null;
        }
        this.counters.disconnected++;
        this.counters.framesSent += v.sent;
        this.counters.framesDropped += v.dropped;
        this.counters.bytesSent += v.bytes;
        this.opts.log.info(
          { viewer: v.id, address: v.address, durationMs: this.now() - v.startedAt, sent: v.sent, dropped: v.dropped, reason },
          'viewer left',
        );
        onClose?.();
        this.opts.onCountChange?.(this.viewers.size);
      },
    });
    viewer.auto = who.auto ?? false;
    this.viewers.add(viewer);
    this.counters.connected++;
    this.opts.log.info({ viewer: viewer.id, address, maxFps: maxFps || null, ...(who.variant || who.auto ? { variant: who.auto ? 'auto' : who.variant } : {}) }, 'viewer joined');
    this.opts.onCountChange?.(this.viewers.size);
    if (who.variant) this.setVariant(viewer, who.variant);
    // Start with the newest frame so the picture shows at once, not one frame later.
    const f = this.latestFor(viewer);
    if (f) viewer.offer(f);
    return viewer;
  }

  /**
   * Move a viewer to another picture (null = full size) on the same connection: its
   * next part simply has the other size. The encoder makes a variant only while some
   * viewer holds it.
   */
  setVariant(viewer: Viewer, name: string | null): void {
    if (viewer.variant === name || viewer.isClosed) return;
    const enc = this.opts.variants;
    if (name !== null && !enc?.has(name)) throw new Error(`no variant ${name}`);
    this.holds.get(viewer)?.();
    this.holds.delete(viewer);
    viewer.variant = name;
    if (name !== null) this.holds.set(viewer, enc!.want(name));
  }

  /** The newest frame of the picture `viewer` gets. */
  private latestFor(viewer: Viewer): Frame | null {
    return viewer.variant === null ? this.opts.hub.latest : (this.opts.variants?.latest(viewer.variant) ?? null);
  }

  list(): Viewer[] {
    return [...this.viewers];
  }

  get size(): number {
    return this.viewers.size;
  }

  /** Totals including viewers still connected. */
  totals(): { sent: number; dropped: number; bytes: number } {
    let sent = this.counters.framesSent;
    let dropped = this.counters.framesDropped;
    let bytes = this.counters.bytesSent;
    for (const v of this.viewers) {
      sent += v.sent;
      dropped += v.dropped;
      bytes += v.bytes;
    }
    return { sent, dropped, bytes };
  }

  /** End every stream (shutdown). */
  closeAll(reason: string, graceful: boolean): void {
    for (const v of [...this.viewers]) v.close(reason, graceful);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.unsubscribeVariants?.();
    this.unsubscribeVariants = null;
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = null;
  }

  private readonly fewViewers = (): boolean => this.viewers.size <= FEW_VIEWERS;

  private readonly fanOut = (frame: Frame): void => this.offerTo(null, frame);
  private readonly fanOutVariant = (name: string, frame: Frame): void => this.offerTo(name, frame);

  private offerTo(variant: string | null, frame: Frame): void {
    for (const v of this.viewers) {
      if (v.variant !== variant) continue;
      try {
        v.offer(frame);
      } catch (err) {
        // A write on a socket that just died: end that viewer, keep serving the rest.
        this.opts.log.warn({ err, viewer: v.id }, 'viewer write failed');
        v.close('write failed');
      }
    }
  }

  private dropStalled(): void {
    const t = this.now();
    let busy = false;
    for (const v of this.viewers) {
      if (v.stalledFor(t) > this.opts.stallTimeoutMs) {
        this.counters.stalled++;
        v.close(`stalled: no frame accepted for over ${this.opts.stallTimeoutMs} ms`);
      } else if (v.busy) busy = true;
    }
    if (!busy && this.stallTimer) {
      clearInterval(this.stallTimer);
      this.stallTimer = null;
    }
  }

  /** Whether the stall check runs (tests). */
  get stallCheckArmed(): boolean {
    return this.stallTimer !== null;
  }
}
