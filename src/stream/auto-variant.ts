// ?variant=auto: each such viewer starts at full size and is moved along the ladder
// full → largest variant → … → smallest as its link allows, on the same connection
// (the next part simply has the other size; browsers and ffmpeg take that).
//
// The rule, checked once a second per auto viewer, from what its socket took:
//   offered   = frames the viewer was due (after its fps cap), delivered + dropped;
//   delivered = frames its socket took (viewer.ts drops a frame while the last one
//               is still in the socket, so a slow link shows up as drops).
// - Down one step when, at this step, it delivered less than 60 % of what it was
//   offered over the last 5 s (clearly too big: react fast), or less than 90 % over
//   the last 15 s (keeps dropping: a picture that "nearly" fits is still a stutter),
//   counting only windows with at least MIN_OFFERED frames.
// - Up one step when it has delivered at least UP_ABOVE (90 %) in every second for
//   the last `upAfterMs` (10 s at first). A step up that has to be taken back within
//   UP_PROBE_MS (the larger picture did not fit) doubles upAfterMs, up to 2 min, so
//   a link that carries one step but not the next settles there instead of bouncing;
//   a step up that holds for UP_PROBE_MS resets it.
import type { Viewer } from './viewer';
import type { Viewers } from './viewers';
import { monotonicNow } from '../clock';

export const AUTO_RULE = {
  tickMs: 1000,
  /** [window ms, delivered/offered below which the viewer steps down], fast first. */
  down: [
    [5000, 0.6],
    [15000, 0.9],
  ] as readonly (readonly [number, number])[],
  minOffered: 5,
  upAbove: 0.9,
  upAfterMs: 10_000,
  upAfterMaxMs: 120_000,
  upProbeMs: 15_000,
} as const;

interface Sample {
  t: number;
  sent: number;
  dropped: number;
}

interface AutoState {
  samples: Sample[];
  /** When the viewer came to its current step. */
  stepSince: number;
  /** Since when every second delivered ≥ upAbove (null: the last second did not). */
  goodSince: number;
  upAfterMs: number;
  /** When it last stepped up (to tell a failed probe). */
  upAt: number | null;
  switches: number;
}

export class AutoVariants {
  private readonly states = new WeakMap<Viewer, AutoState>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly now: () => number;

  /** `ladder`: the variant names, largest first (full size comes before them). */
  constructor(
    private readonly viewers: Pick<Viewers, 'list' | 'setVariant'>,
    private readonly ladder: readonly string[],
    now?: () => number,
  ) {
    this.now = now ?? monotonicNow;
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.disarm();
  }

  /**
   * The viewer count changed. The rule ticks only while someone watches: a camera nobody
   * watches is not woken once a second for nothing (issue 14).
   */
  viewersChanged(count: number): void {
    if (count > 0) this.arm();
    else this.disarm();
  }

  private arm(): void {
    if (!this.running || this.timer || this.ladder.length === 0 || this.viewers.list().length === 0) return;
    // One timer for every auto viewer of the camera.
    this.timer = setInterval(() => this.tick(), AUTO_RULE.tickMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Times this viewer was moved (for /api/status). */
  switches(v: Viewer): number {
    return this.states.get(v)?.switches ?? 0;
  }

  tick(t = this.now()): void {
    for (const v of this.viewers.list()) if (v.auto) this.check(v, t);
  }

  private check(v: Viewer, t: number): void {
    let st = this.states.get(v);
    if (!st) {
      st = { samples: [], stepSince: t, goodSince: t, upAfterMs: AUTO_RULE.upAfterMs, upAt: null, switches: 0 };
      this.states.set(v, st);
    }
    const prev = st.samples[st.samples.length - 1];
    st.samples.push({ t, sent: v.sent, dropped: v.dropped });
    const keep = AUTO_RULE.down[AUTO_RULE.down.length - 1][0];
    while (st.samples.length > 2 && t - st.samples[1].t >= keep) st.samples.shift();
    if (prev) {
      const offered = v.sent - prev.sent + (v.dropped - prev.dropped);
      if (offered > 0 && (v.sent - prev.sent) / offered < AUTO_RULE.upAbove) st.goodSince = t;
    }
    if (st.upAt !== null && t - st.upAt > AUTO_RULE.upProbeMs) {
      // The step up held: the next one may come as soon as at first.
      st.upAfterMs = AUTO_RULE.upAfterMs;
      st.upAt = null;
    }
    const step = v.variant === null ? 0 : this.ladder.indexOf(v.variant) + 1;
    if (step < this.ladder.length && this.tooSlow(v, st, t)) {
      if (st.upAt !== null && t - st.upAt < AUTO_RULE.upProbeMs) st.upAfterMs = Math.min(AUTO_RULE.upAfterMaxMs, st.upAfterMs * 2);
      st.upAt = null;
      this.move(v, st, step + 1, t);
    } else if (step > 0 && t - st.goodSince >= st.upAfterMs && t - st.stepSince >= st.upAfterMs) {
      st.upAt = t;
      this.move(v, st, step - 1, t);
    }
  }

  /** Did it deliver too little over one of the down windows (each fully spent at this step)? */
  private tooSlow(v: Viewer, st: AutoState, t: number): boolean {
    for (const [windowMs, below] of AUTO_RULE.down) {
      // The oldest sample no older than the window (ticks jitter: half a tick of slack).
      const first = st.samples.find((s) => t - s.t <= windowMs + AUTO_RULE.tickMs / 2);
      if (!first || t - first.t < windowMs - AUTO_RULE.tickMs / 2) continue;
      const delivered = v.sent - first.sent;
      const offered = delivered + (v.dropped - first.dropped);
      if (offered >= AUTO_RULE.minOffered && delivered / offered < below) return true;
    }
    return false;
  }

  private move(v: Viewer, st: AutoState, step: number, t: number): void {
    this.viewers.setVariant(v, step === 0 ? null : this.ladder[step - 1]);
    st.switches++;
    st.stepSince = t;
    st.goodSince = t;
    // Judge the new step on its own frames only.
    st.samples = [{ t, sent: v.sent, dropped: v.dropped }];
  }
}
