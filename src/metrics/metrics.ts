// Prometheus metrics for one camstream instance, on a registry of its own (never
// prom-client's global one), so several instances — tests, or a relay and its
// camera in one process — never share or clash over series.
//
// Everything is read at scrape time from counters the hub, pool, viewers and
// supervisor keep anyway (collect() callbacks): a scrape costs a few additions, and
// the per-frame path pays nothing for metrics. The encode-time histogram reads the
// pipeline's EncodeTimes (encode-times.ts). Nothing here is loaded before the first
// scrape (lazy.ts), so this module may observe nothing itself.
// Per-camera series carry a camera="NAME" label (camera "default" with one camera).
import { Counter, Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { SourceState } from '../capture/status';
import type { CameraPipeline } from '../pipeline/camera-pipeline';
import type { CameraStateName } from '../pipeline/camera-state';
import type { BandwidthBudget } from '../stream/bandwidth';
import { registerVariantMetrics } from './variant-metrics';
import type { EncodeTimes } from '../pipeline/encode-times';
import { LAG_SAMPLE_MS, type LagStats, type LoopLag } from './loop-lag';

/** What metrics read of a camera, at scrape time. */
export type MetricsCamera = Pick<CameraPipeline, 'name' | 'hub' | 'pool' | 'viewers' | 'supervisor' | 'captured' | 'state' | 'encodeTimes'> & Partial<Pick<CameraPipeline, 'variants'>>;

export interface MetricsInputs {
  /** Every camera; per-camera series carry a camera="NAME" label. */
  cameras: readonly MetricsCamera[];
  version: string;
  /** stream.maxMbps and what viewers take (variant-metrics.ts). */
  bandwidth?: BandwidthBudget;
}

const STATES: SourceState[] = ['starting', 'live', 'offline', 'idle', 'stopped'];
const CAMERA_STATES: CameraStateName[] = ['live', 'starting', 'no-signal', 'idle'];

export class CamstreamMetrics {
  readonly registry = new Registry();
  /** The loop-delay figures for the scrape in progress (text()). */
  private lag: LagStats | null = null;

  /** `loopLag`: event-loop delay sampled since start (the registry itself is made at the first scrape). */
  constructor(
    inputs: MetricsInputs,
    private readonly loopLag: LoopLag,
  ) {
    const cams = inputs.cameras;
    const registers = [this.registry];
    // One camera: the series as they always were (no label), so existing dashboards and
    // scrapers read the same lines. Several: each per-camera series has camera="NAME".
    const multi = cams.length > 1;
    const labelNames = multi ? ['camera'] : [];
    const L = (c: MetricsCamera, more: Record<string, string> = {}) => (multi ? { ...more, camera: c.name } : more);
    // A counter whose value lives elsewhere: replace it at scrape time. Prometheus
    // only needs it to be monotonic, which the underlying counters are.
    const mirror = (name: string, help: string, read: (c: MetricsCamera) => number) =>
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const c of cams) this.inc(L(c), read(c));
        },
      });
    const gauge = (name: string, help: string, read: (c: MetricsCamera) => number) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          for (const c of cams) this.set(L(c), read(c));
        },
      });

    new Gauge({
      name: 'camstream_info',
      help: 'Always 1; the labels say which camstream and which camera source each camera is.',
      labelNames: ['version', 'source', ...labelNames],
      registers,
      collect() {
        this.reset();
        for (const c of cams) this.set(L(c, { version: inputs.version, source: c.supervisor.status.kind }), 1);
      },
    });
    mirror('camstream_frames_captured_total', 'Frames the camera source delivered (before stream.dropSameFrames).', (c) => c.captured);
    mirror('camstream_frames_published_total', 'Frames the hub published to viewers (live frames and NO SIGNAL placeholders).', (c) => c.hub.counters.published);
    mirror('camstream_frames_dropped_same_total', 'Frames skipped as identical to the previous one (stream.dropSameFrames).', (c) => c.hub.counters.droppedSame);
    mirror('camstream_frames_delivered_total', 'Frames written to streaming viewers, summed over viewers.', (c) => c.viewers.totals().sent);
    mirror(
      'camstream_frames_dropped_slow_viewer_total',
      'Frames a viewer skipped because its socket had not drained the previous one (it gets the newest instead).',
      (c) => c.viewers.totals().dropped,
    );
    mirror('camstream_stream_bytes_sent_total', 'Bytes of MJPEG parts written to streaming viewers (headers of each part included).', (c) => c.viewers.totals().bytes);
    gauge('camstream_capture_fps', 'Live frames per second from the camera over the last ~32 frames; 0 when frames stop.', (c) => c.hub.fps());
    // Zeroed buckets for a camera that never encodes (passthrough): a count of 0.
    this.registry.registerMetric(encodeHistogram(cams, L));

    registerVariantMetrics(this.registry, cams, inputs.bandwidth);
    gauge('camstream_viewers_active', 'Viewers streaming now (each holds a slot).', (c) => c.viewers.size);
    gauge('camstream_viewers_queued', 'Viewers waiting for a free slot now.', (c) => c.pool.waiting);
    gauge('camstream_stream_slots_max', 'Streaming slots of the camera (stream.maxClients, or its own stream.maxClients).', (c) => c.pool.max);
    mirror('camstream_viewers_connected_total', 'Viewers that got a slot and started streaming.', (c) => c.viewers.counters.connected);
    mirror('camstream_viewers_stalled_total', 'Viewers disconnected because their socket accepted nothing for stream.stallTimeoutMs.', (c) => c.viewers.counters.stalled);
    new Counter({
      name: 'camstream_viewers_rejected_total',
      help: 'Viewers refused a slot, by reason: full (503, queue full), per_ip (429, stream.maxClientsPerIp), queue_timeout (503 after waiting stream.queueTimeoutMs).',
      labelNames: ['reason', ...labelNames],
      registers,
      collect() {
        this.reset();
        for (const c of cams) {
          this.inc(L(c, { reason: 'full' }), c.pool.counters.rejectedFull);
          this.inc(L(c, { reason: 'per_ip' }), c.pool.counters.rejectedPerIp);
          this.inc(L(c, { reason: 'queue_timeout' }), c.pool.counters.rejectedTimeout);
        }
      },
    });

    mirror('camstream_source_restarts_total', 'Times the supervisor restarted the camera source after a failure.', (c) => c.supervisor.status.restarts);
    new Gauge({
      name: 'camstream_source_state',
      help: 'The camera source (process) state: 1 for the current state, 0 for the others. Whether the camera is live is camstream_camera_state.',
      labelNames: ['state', ...labelNames],
      registers,
      collect() {
        for (const c of cams) for (const s of STATES) this.set(L(c, { state: s }), c.supervisor.status.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'camstream_camera_state',
      help: 'The camera state /healthz and /api/status report (live, starting, no-signal, idle): 1 for the current state, 0 for the others.',
      labelNames: ['state', ...labelNames],
      registers,
      collect() {
        for (const c of cams) {
          const now = c.state().state;
          for (const s of CAMERA_STATES) this.set(L(c, { state: s }), now === s ? 1 : 0);
        }
      },
    });

    // prom-client samples event-loop lag every 10 ms by default: 100 wake-ups a second,
    // more than the camera's own, which a Pi with no viewer pays for nothing (issue 14).
    // Once a second still shows a blocked loop.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: LAG_SAMPLE_MS });
    lagFrom(this.registry, (stat) => this.lag?.[stat]);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    this.lag = this.loopLag.take();
    return this.registry.metrics();
  }
}

/**
 * nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds from our own
 * since-start sampler instead of prom-client's histogram (which starts with the
 * registry, at the first scrape). prom-client still calls each gauge's set() once per
 * scrape; the value it passes is replaced.
 */
function lagFrom(registry: Registry, read: (stat: keyof LagStats) => number | undefined): void {
  for (const stat of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const) {
    const gauge = registry.getSingleMetric(`nodejs_eventloop_lag_${stat}_seconds`) as Gauge | undefined;
    if (!gauge) continue;
    const set = gauge.set.bind(gauge) as (labels: object, value: number) => void;
    (gauge as unknown as { set: (labels: object, value: number) => void }).set = (labels, value) => set(labels, read(stat) ?? value);
  }
}

/**
 * camstream_encode_seconds, from each pipeline's EncodeTimes: a histogram in the shape
 * prom-client's registry formats (what its own Histogram.get() returns), read at scrape.
 */
function encodeHistogram(cams: readonly MetricsCamera[], L: (c: MetricsCamera, more?: Record<string, string>) => Record<string, string>): Metric {
  const name = 'camstream_encode_seconds';
  const help = 'Time to JPEG-encode one frame, seconds (sources that encode: opencv with raw formats, testpattern).';
  const get = () => ({
    name,
    help,
    type: 'histogram' as const,
    aggregator: 'sum' as const,
    values: cams.flatMap((c) => {
      const t: EncodeTimes = c.encodeTimes;
      return [
        ...t.cumulative().map((b) => ({ metricName: `${name}_bucket`, labels: L(c, { le: b.le }), value: b.count })),
        { metricName: `${name}_sum`, labels: L(c), value: t.sum },
        { metricName: `${name}_count`, labels: L(c), value: t.count },
      ];
    }),
  });
  return { name, help, get, reset() {}, labels() { return this; }, remove() {} } as unknown as Metric;
}
