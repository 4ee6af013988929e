// Frames per second over the last few events, decaying to 0 when events stop.
// A fixed ring of timestamps: no allocation per event.
//
//   times: [t5 t6 t7 t0 t1 t2 t3 t4]   next ──► index 3 (oldest, overwritten next)

export class RateMeter {
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  constructor(size = 32) {
    this.times = new Float64Array(size);
  }

  mark(nowMs: number): void {
    this.times[this.next] = nowMs;
    this.next = (this.next + 1) % this.times.length;
    if (this.count < this.times.length) this.count++;
  }

  /** Events per second between the oldest kept event and `nowMs`. */
  rate(nowMs: number): number {
    if (this.count < 2) return 0;
    const oldest = this.times[(this.next - this.count + this.times.length) % this.times.length];
    const newest = this.times[(this.next - 1 + this.times.length) % this.times.length];
    const span = nowMs - oldest;
    if (span <= 0) return 0;
    // Use `now`, not the newest event, as the end so the rate falls when events stop;
    // but never count the silence after the last event as longer than it is.
    const gap = nowMs - newest;
    const intervals = this.count - 1;
    const spanEvents = newest - oldest;
    const avgInterval = spanEvents / intervals;
    const effective = gap > avgInterval ? span : spanEvents;
    return effective > 0 ? (intervals * 1000) / effective : 0;
  }

  reset(): void {
    this.count = 0;
    this.next = 0;
  }
}
