// Fixed-rate scheduling for sources that are not paced by hardware (test pattern,
// files, video files). Ticks at start + n·interval; if a tick runs late it skips
// ahead instead of bursting to catch up, so viewers never get a flood of frames.

export class Pacer {
  private next = 0;
  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** ms to wait before the next tick (0 = now), and advances the schedule. */
  delay(): number {
    const t = this.now();
    if (this.next === 0 || t - this.next > this.intervalMs) this.next = t; // first tick, or fell behind: skip ahead
    const wait = Math.max(0, this.next - t);
    this.next += this.intervalMs;
    return wait;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
