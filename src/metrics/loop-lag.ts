// Event-loop delay since start, sampled without prom-client: the registry is built at
// the first scrape (lazy.ts), and a histogram started then would hold no sample at
// that scrape (prom-client reports an empty one's min as 9.2e9 s). This one runs from
// start, as prom-client's own did when the registry was built at start, and metrics.ts
// reads it at each scrape.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How often the delay is sampled, ms: once a second still shows a blocked loop, without a wake-up every 10 ms. */
export const LAG_SAMPLE_MS = 1000;

export interface LagStats {
  min: number;
  max: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p99: number;
}

export class LoopLag {
  private readonly h: IntervalHistogram = monitorEventLoopDelay({ resolution: LAG_SAMPLE_MS });
  private last: LagStats | null = null;

  constructor() {
    this.h.enable();
  }

  /**
   * Seconds, net of the sampling interval (the histogram records the whole time between
   * two samples, so an idle loop would read as 1 s), over the time since the previous
   * call; then starts over. With no sample since then (two scrapes within a second),
   * the previous figures again. stddev is unaffected by the constant offset.
   */
  take(): LagStats {
    if (this.h.count > 0 || !this.last) {
      const net = (ns: number) => (this.h.count > 0 ? Math.max(0, ns / 1e9 - LAG_SAMPLE_MS / 1000) : 0);
      this.last = {
        min: net(this.h.min),
        max: net(this.h.max),
        mean: net(this.h.mean),
        stddev: this.h.count > 0 ? this.h.stddev / 1e9 : 0,
        p50: net(this.h.percentile(50)),
        p90: net(this.h.percentile(90)),
        p99: net(this.h.percentile(99)),
      };
      this.h.reset();
    }
    return this.last;
  }

  stop(): void {
    this.h.disable();
  }
}
