// Per-camera JPEG encode times since start, kept without prom-client: the Prometheus
// registry (metrics/metrics.ts) is only built at the first scrape of /metrics, and prom-client
// with what it pulls in (@opentelemetry/api and others: ~90 modules) is memory a Pi
// that nobody scrapes should not pay (issue 14). metrics/metrics.ts exposes these counts as the
// camstream_encode_seconds histogram; a scrape an hour after start still sees every
// frame since start.

/** Upper bounds in seconds: a Pi 4 encodes 640x480 in ~5–15 ms, a Pi Zero 1080p in ~100+ ms. */
export const ENCODE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64];

export class EncodeTimes {
  /** Observations per bucket (not cumulative); the last slot is above every bound (+Inf). */
  readonly counts = new Float64Array(ENCODE_BUCKETS.length + 1);
  count = 0;
  sum = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < ENCODE_BUCKETS.length && seconds > ENCODE_BUCKETS[i]) i++;
    this.counts[i]++;
    this.count++;
    this.sum += seconds;
  }

  /** Cumulative counts per `le` bound, as Prometheus histograms expose them, ending with +Inf. */
  cumulative(): { le: string; count: number }[] {
    const out: { le: string; count: number }[] = [];
    let acc = 0;
    for (let i = 0; i <= ENCODE_BUCKETS.length; i++) {
      acc += this.counts[i];
      out.push({ le: i < ENCODE_BUCKETS.length ? String(ENCODE_BUCKETS[i]) : '+Inf', count: acc });
    }
    return out;
  }
}
