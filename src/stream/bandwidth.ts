// stream.maxMbps: one bandwidth budget for every streaming viewer of every camera, so
// a few full-size viewers cannot take all of the Pi's Wi-Fi. Once a second it measures
// what each viewer took and, when a budget is set, gives each a frame-rate cap
// (viewer.budgetFps) so the total fits:
//
//   - each viewer needs about (size of its picture's newest frame) × (the frame rate it
//     would get uncapped: its own fps cap, at most the camera's rate) bytes a second;
//   - the budget is shared max-min fairly: every viewer gets an equal share, and what
//     a viewer needs less than its share (a small variant, a low ?fps) goes to the others;
//   - its cap is its share ÷ its frame size, never below MIN_FPS (1 fps: nobody is
//     starved, nobody is cut off; with very many viewers the floor may exceed the budget).
//
// The caps are plain frame-rate limits on the viewer's token bucket (viewer.ts): frames
// over it are skipped on purpose, not counted as drops, so ?variant=auto is not pushed
// down by the budget. Works per viewer per second, never per frame.
//
// Without a budget (stream.maxMbps 0, the default) there is nothing to share, only what
// viewers take to report (/api/status, /metrics): that is measured when it is read, not
// by a timer that would wake a Pi once a second for it while someone watches (issue 14).
import type { Viewer } from './viewer';
import type { Viewers } from './viewers';
import type { VariantEncoder } from './variants';
import type { FrameHub } from '../hub/frame-hub';
import { monotonicNow } from '../clock';

export const MIN_FPS = 1;
const TICK_MS = 1000;
/** Without a budget, reads closer together than this share one measurement. */
const READ_EVERY_MS = 500;
/** What "used" is averaged over, ms. */
const WINDOW_MS = 3000;
/** The multipart head and boundary around each JPEG, bytes (wire.ts), roughly. */
const PART_OVERHEAD = 100;

/** What the budget reads of a camera. */
export interface BudgetCamera {
  readonly name: string;
  readonly hub: FrameHub;
  readonly viewers: Pick<Viewers, 'list'>;
  readonly variants: VariantEncoder | undefined;
}

interface Sample {
  t: number;
  bytes: number;
  sent: number;
}

export interface ViewerUse {
  camera: string;
  id: number;
  address: string;
  /** "full" or the variant's name. */
  variant: string;
  auto: boolean;
  /** Frames per second it got, and the cap the budget set on it (null: none). */
  fps: number;
  budgetFps: number | null;
  mbps: number;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export class BandwidthBudget {
  private readonly samples = new WeakMap<Viewer, Sample[]>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly now: () => number;
  private lastUsed: ViewerUse[] = [];
  /** When tick() last ran (now() ms); reads within READ_EVERY_MS of it reuse its figures. */
  private lastTickAt = -Infinity;

  constructor(
    private readonly cameras: readonly BudgetCamera[],
    /** stream.maxMbps of the running config (a reload changes it). */
    private readonly maxMbps: () => number,
    now?: () => number,
  ) {
    this.now = now ?? monotonicNow;
  }

  start(): void {
    this.running = true;
    this.viewersChanged();
  }

  stop(): void {
    this.running = false;
    this.disarm();
  }

  /**
   * A camera's viewer count changed. The budget ticks only while someone watches any
   * camera and a budget is set: with nobody watching there is nothing to measure or
   * share, and without a budget nothing to share (issue 14).
   */
  viewersChanged(): void {
    const watched = this.watched();
    if (!watched) this.lastUsed = [];
    if (!watched || !(this.maxMbps() > 0)) this.disarm();
    else if (this.running && !this.timer) {
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
  }

  /** stream.maxMbps changed (config reload): a budget now set starts the ticks, one removed stops them. */
  budgetChanged(): void {
    this.viewersChanged();
    if (!this.timer) for (const c of this.cameras) for (const v of c.viewers.list()) v.budgetFps = 0;
  }

  private watched(): boolean {
    return this.cameras.some((c) => c.viewers.list().length > 0);
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The budget, Mbit/s (0 = none). */
  get budgetMbps(): number {
    return this.maxMbps();
  }

  /** What every viewer took over the last few seconds (or since it came, or since the last read). */
  viewers(): ViewerUse[] {
    this.measureOnRead();
    return this.lastUsed;
  }

  /** Mbit/s all viewers took together over the last few seconds. */
  usedMbps(): number {
    this.measureOnRead();
    return round(this.lastUsed.reduce((n, v) => n + v.mbps, 0));
  }

  /** No timer measures (no budget): measure now, unless a read just did (one scrape reads several figures). */
  private measureOnRead(): void {
    if (this.timer || !this.running || !this.watched()) return;
    const t = this.now();
    if (t - this.lastTickAt >= READ_EVERY_MS) this.tick(t);
  }

  tick(t = this.now()): void {
    this.lastTickAt = t;
    const all: { cam: BudgetCamera; v: Viewer; bytesPerSec: number; fps: number }[] = [];
    for (const cam of this.cameras) {
      for (const v of cam.viewers.list()) {
        let s = this.samples.get(v);
        // Its first figure is what it took since it came (measured on read, there may be no tick before).
        if (!s) this.samples.set(v, (s = [{ t: v.startedAt, bytes: 0, sent: 0 }]));
        s.push({ t, bytes: v.bytes, sent: v.sent });
        while (s.length > 2 && t - s[1].t >= WINDOW_MS) s.shift();
        const span = (t - s[0].t) / 1000;
        const bytesPerSec = span > 0 ? (v.bytes - s[0].bytes) / span : 0;
        const fps = span > 0 ? (v.sent - s[0].sent) / span : 0;
        all.push({ cam, v, bytesPerSec, fps });
      }
    }
    this.share(all);
    this.lastUsed = all.map(({ cam, v, bytesPerSec, fps }) => ({
      camera: cam.name,
      id: v.id,
      address: v.address,
      variant: v.variant ?? 'full',
      auto: v.auto,
      fps: round(fps, 1),
      budgetFps: v.budgetFps > 0 ? round(v.budgetFps, 1) : null,
      mbps: round((bytesPerSec * 8) / 1e6),
    }));
  }

  private share(all: { cam: BudgetCamera; v: Viewer }[]): void {
    const budget = (this.maxMbps() * 1e6) / 8; // bytes a second
    if (!(budget > 0)) {
      for (const { v } of all) v.budgetFps = 0;
      return;
    }
    const wants = all.map(({ cam, v }) => {
      const latest = v.variant === null ? cam.hub.latest : cam.variants?.latest(v.variant);
      const frameBytes = (latest?.jpeg.length ?? 0) + PART_OVERHEAD;
      const captureFps = cam.hub.fps();
      const fps = captureFps > 0 ? Math.min(v.maxFps || Infinity, captureFps) : v.maxFps;
      return { v, frameBytes, fps, need: frameBytes * fps };
    });
    // Max-min fair shares: the smallest needs are met first, the rest split evenly.
    let left = budget;
    let n = wants.length;
    for (const w of [...wants].sort((a, b) => a.need - b.need)) {
      const share = Math.min(w.need, left / n);
      left -= share;
      n--;
      const fps = share / w.frameBytes;
      w.v.budgetFps = fps >= w.fps * 0.999 ? 0 : Math.max(MIN_FPS, fps);
    }
  }
}
