// Smaller pictures of one camera (stream.variants) for viewers on slow links. Made
// from the hub's frames, once per captured frame for all viewers: the JPEG is
// decoded once (shared by every variant of that frame), then each wanted variant is
// resized and encoded. All three steps run on libuv's thread pool (OpenCV's *Async
// calls), never on the event loop, so full-size viewers, whose frames are the
// camera's bytes passed through, are never held up by a variant.
//
// Work happens only while someone wants a variant (a viewer watching it, a snapshot
// waiting for it): with nobody, a frame costs nothing here. One frame is in work at a
// time; frames that land meanwhile replace each other and only the newest is made
// next (drop, never queue), so a variant viewer gets the newest picture the encoder
// managed and the encoder never falls further behind.
//
// Each variant's frames are hub Frames (same seq and timestamps as the camera frame
// they come from), so stream/wire.ts builds their multipart part once per frame and
// viewers write them exactly as they write full-size frames.
import type { Mat } from '@u4/opencv4nodejs';
import type { Logger } from '../log';
import type { FrameHub } from '../hub/frame-hub';
import { buildFrame, type Frame } from '../hub/frame';
import { cv } from '../capture/cv';
import { variantSize, type VariantSpec } from '../config/variants';

export type VariantListener = (name: string, frame: Frame) => void;

interface Feed {
  spec: VariantSpec;
  /** Viewers and snapshots that want it now. */
  demand: number;
  latest: Frame | null;
}

/** How long a failed encode is kept quiet in the log, ms (a broken camera frame repeats every frame). */
const WARN_EVERY_MS = 60_000;

export class VariantEncoder {
  private readonly feeds = new Map<string, Feed>();
  private readonly listeners = new Set<VariantListener>();
  private unsubscribe: (() => void) | null = null;
  private busy = false;
  /** The newest frame that landed while one was in work: made next. */
  private pending: Frame | null = null;
  private lastWarn = -Infinity;
  /** decodes: camera frames decoded; encodes: variant JPEGs made; skipped: frames never made because a newer one came while busy. */
  readonly counters = { decodes: 0, encodes: 0, skipped: 0, failed: 0, busyMs: 0, perVariant: {} as Record<string, number> };

  constructor(
    private readonly hub: FrameHub,
    specs: readonly VariantSpec[],
    private readonly log: Logger,
  ) {
    for (const spec of specs) {
      this.feeds.set(spec.name, { spec, demand: 0, latest: null });
      this.counters.perVariant[spec.name] = 0;
    }
  }

  /** The variants, largest first. */
  get specs(): VariantSpec[] {
    return [...this.feeds.values()].map((f) => f.spec);
  }

  /** Variant names, largest first (the auto ladder's order below full size). */
  get names(): string[] {
    return [...this.feeds.keys()];
  }

  has(name: string): boolean {
    return this.feeds.has(name);
  }

  start(): void {
    this.unsubscribe ??= this.hub.subscribe(this.onFrame);
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.pending = null;
  }

  /** Told of every variant frame made (Viewers fans them out). */
  subscribe(fn: VariantListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The newest frame made of `name`, or null. */
  latest(name: string): Frame | null {
    return this.feeds.get(name)?.latest ?? null;
  }

  /** Viewers and snapshots wanting `name` now. */
  demand(name: string): number {
    return this.feeds.get(name)?.demand ?? 0;
  }

  /**
   * Someone wants `name` from now on; returns the release (idempotent). The first
   * want starts on the newest camera frame at once, so a new viewer or a snapshot
   * does not wait for the next capture (which never comes for a static scene with
   * stream.dropSameFrames).
   */
  want(name: string): () => void {
    const feed = this.feeds.get(name);
    if (!feed) throw new Error(`no variant ${name}`);
    feed.demand++;
    const newest = this.hub.latest;
    if (newest && (feed.latest === null || feed.latest.seq < newest.seq)) this.onFrame(newest);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      feed.demand--;
    };
  }

  /**
   * A variant frame no older than the camera's newest frame now (for /snapshot): made
   * for this request if need be. Rejects after `timeoutMs` without one.
   */
  async fresh(name: string, timeoutMs: number): Promise<Frame> {
    const newest = this.hub.latest;
    const have = this.latest(name);
    if (have && newest && have.seq >= newest.seq) return have;
    const release = this.want(name);
    try {
      return await new Promise<Frame>((resolve, reject) => {
        const done = (f: Frame | null, err?: Error) => {
          clearTimeout(timer);
          off();
          if (f) resolve(f);
          else reject(err);
        };
        const off = this.subscribe((n, f) => {
          if (n === name && (!newest || f.seq >= newest.seq)) done(f);
        });
        const timer = setTimeout(() => done(null, new Error(`no ${name} picture within ${timeoutMs} ms`)), timeoutMs);
      });
    } finally {
      release();
    }
  }

  private readonly onFrame = (frame: Frame): void => {
    if (!this.anyWanted()) return;
    if (this.busy) {
      if (this.pending) this.counters.skipped++;
      this.pending = frame;
      return;
    }
    void this.make(frame);
  };

  private anyWanted(): boolean {
    for (const f of this.feeds.values()) if (f.demand > 0) return true;
    return false;
  }

  private async make(frame: Frame): Promise<void> {
    this.busy = true;
    const t0 = performance.now();
    try {
      const wanted = [...this.feeds.values()].filter((f) => f.demand > 0 && (f.latest === null || f.latest.seq < frame.seq));
      if (wanted.length > 0) await this.encode(frame, wanted);
    } catch (err) {
      this.counters.failed++;
      const t = performance.now();
      if (t - this.lastWarn > WARN_EVERY_MS) {
        this.lastWarn = t;
        this.log.warn({ err, seq: frame.seq }, 'variant encode failed (frame skipped; repeats are not logged for a minute)');
      }
    } finally {
      this.counters.busyMs += performance.now() - t0;
      this.busy = false;
    }
    const next = this.pending;
    this.pending = null;
    if (next && next.seq > frame.seq && this.anyWanted()) void this.make(next);
  }

  private async encode(frame: Frame, wanted: Feed[]): Promise<void> {
    const o = cv();
    const sizes = wanted.map((f) => variantSize(f.spec, frame.width, frame.height));
    // libjpeg can decode at 1/2, 1/4 or 1/8 scale for a fraction of the work: take
    // the smallest that is still no smaller than the largest variant wanted.
    const widest = Math.max(...sizes.map((s) => s.width));
    const scale = [8, 4, 2].find((k) => frame.width / k >= widest) ?? 1;
    const flag = scale === 8 ? o.IMREAD_REDUCED_COLOR_8 : scale === 4 ? o.IMREAD_REDUCED_COLOR_4 : scale === 2 ? o.IMREAD_REDUCED_COLOR_2 : o.IMREAD_COLOR;
    const mat = await o.imdecodeAsync(frame.jpeg, flag);
    this.counters.decodes++;
    try {
      if (mat.empty) throw new Error('the camera frame did not decode');
      await Promise.all(
        wanted.map(async (feed, i) => {
          const { width, height } = sizes[i];
          let small: Mat = mat;
          if (mat.cols !== width || mat.rows !== height) small = await mat.resizeAsync(height, width, 0, 0, o.INTER_AREA);
          try {
            const jpeg = await o.imencodeAsync('.jpg', small, [o.IMWRITE_JPEG_QUALITY, feed.spec.quality]);
            this.counters.encodes++;
            this.counters.perVariant[feed.spec.name]++;
            this.publish(feed, buildFrame(frame.seq, jpeg, frame.capturedAt, width, height, frame.live, frame.monoAt));
          } finally {
            if (small !== mat) small.release();
          }
        }),
      );
    } finally {
      mat.release();
    }
  }

  private publish(feed: Feed, frame: Frame): void {
    if (this.unsubscribe === null) return; // stopped meanwhile
    feed.latest = frame;
    for (const fn of this.listeners) {
      try {
        fn(feed.spec.name, frame);
      } catch (err) {
        this.log.error({ err }, 'variant listener failed');
      }
    }
  }
}
