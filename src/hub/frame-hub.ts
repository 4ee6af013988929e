// The hub keeps only the newest frame and tells subscribers when a new one lands.
// It never queues: a subscriber that cannot keep up decides for itself to skip
// (see viewer.ts), so one slow consumer never slows the producer or the others.
import type { Logger } from '../log';
import { buildFrame, jpegSize, type Frame } from './frame';
import { RateMeter } from './rate';
import { monotonicNow } from '../clock';
import { frameGarbage, type FrameGarbage } from '../platform/frame-garbage';

export type FrameListener = (frame: Frame) => void;

export interface FrameHubOptions {
  dropSameFrames: boolean;
  log: Logger;
  /** Monotonic ms (rates, ages); default clock.ts. */
  now?: () => number;
  /** Wall-clock ms, only for the frames' timestamps; default Date.now. */
  wallNow?: () => number;
  /** Where new frame memory is counted; default the process's one (tests pass their own). */
  garbage?: FrameGarbage;
}

export class FrameHub {
  private latestFrame: Frame | null = null;
  private latestLive: Frame | null = null;
  private readonly listeners = new Set<FrameListener>();
  private readonly rate = new RateMeter(32);
  private seq = 0;
  private readonly now: () => number;
  private readonly wallNow: () => number;
  private readonly garbage: FrameGarbage;
  /** Counters for /api/status and /metrics. */
  readonly counters = { published: 0, droppedSame: 0, listenerErrors: 0 };

  constructor(private readonly opts: FrameHubOptions) {
    this.now = opts.now ?? monotonicNow;
    this.wallNow = opts.wallNow ?? Date.now;
    this.garbage = opts.garbage ?? frameGarbage;
  }

  /** stream.dropSameFrames changed (config reload). */
  setDropSameFrames(on: boolean): void {
    this.opts.dropSameFrames = on;
  }

  /**
   * Publish a JPEG from the source. Returns the frame, or null when it was dropped
   * as identical to the previous one (stream.dropSameFrames).
   */
  publish(jpeg: Buffer, info?: { width: number; height: number; kept?: boolean }, live = true): Frame | null {
    const t = this.now();
    const prev = this.latestFrame;
    if (live) this.rate.mark(t);
    if (this.opts.dropSameFrames && live && prev?.live && prev.jpeg.length === jpeg.length && prev.jpeg.equals(jpeg)) {
      this.counters.droppedSame++;
      return null;
    }
    // Sources hand over new memory per frame: count it (frame-garbage.ts). Not files': it
    // hands over the same few Buffers again and again, so counting them would only buy
    // collections of nothing (each one wakes V8's helper threads).
    if (!info?.kept) this.garbage.allocated(jpeg.length);
    const size = info && info.width > 0 ? info : (jpegSize(jpeg) ?? { width: prev?.width ?? 0, height: prev?.height ?? 0 });
    const frame = buildFrame(++this.seq, jpeg, this.wallNow(), size.width, size.height, live, t);
    this.latestFrame = frame;
    if (live) this.latestLive = frame;
    this.counters.published++;
    for (const fn of this.listeners) {
      try {
        fn(frame);
      } catch (err) {
        // One subscriber's bug must not starve the others or the capture loop.
        this.counters.listenerErrors++;
        this.opts.log.error({ err }, 'frame listener failed');
      }
    }
    return frame;
  }

  /** The newest frame (live or NO SIGNAL), or null before the first. */
  get latest(): Frame | null {
    return this.latestFrame;
  }

  /** The newest frame that came from the camera. */
  get latestLiveFrame(): Frame | null {
    return this.latestLive;
  }

  /** Capture rate of live frames over the last ~32 frames; falls to 0 when they stop. */
  fps(): number {
    return this.rate.rate(this.now());
  }

  subscribe(fn: FrameListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
