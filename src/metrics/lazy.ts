// The Prometheus registry, built at the first scrape of /metrics rather than at start:
// prom-client and what it loads (@opentelemetry/api, tdigest, bintrees: ~90 modules)
// are memory a Pi that nobody scrapes should not carry (issue 14). Every series reads
// counters the pipelines keep from start anyway (metrics.ts), so a late registry shows
// the same values (encode times: pipeline/encode-times.ts; event-loop delay: loop-lag.ts,
// sampled from start here); only prom-client's GC histogram begins at the first scrape.
import type { CamstreamMetrics, MetricsInputs } from './metrics';
import { LoopLag } from './loop-lag';

export class LazyMetrics {
  private made: CamstreamMetrics | undefined;
  /** Sampled from start, so the first scrape already has the loop's figures. */
  private readonly loopLag = new LoopLag();

  constructor(private readonly inputs: MetricsInputs) {}

  /** The registry, built now if this is the first call. */
  get(): CamstreamMetrics {
    if (!this.made) {
      // A plain require, so nothing of prom-client is loaded until here.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { CamstreamMetrics: Made } = require('./metrics') as typeof import('./metrics');
      this.made = new Made(this.inputs, this.loopLag);
    }
    return this.made;
  }
}
