// Prometheus metrics for one camstream instance, on a registry of its own (never
// prom-client's global one), so several instances — tests, or a relay and its
// camera in one process — never share or clash over series.
//
// Nearly everything is read at scrape time from counters the hub, pool, viewers and
// supervisor keep anyway (collect() callbacks): a scrape costs a few additions, and
// the per-frame path pays nothing for metrics. The two exceptions are per frame,
// not per viewer: the encode-time histogram and the captured-frame count, fed by
// instrumentSource() (instrument-source.ts).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SourceState, SourceStatus } from '../capture/status';
import type { ClientPool } from '../stream/client-pool';
import type { FrameHub } from '../hub/frame-hub';
import type { Viewers } from '../stream/viewers';

export interface MetricsInputs {
  hub: FrameHub;
  pool: ClientPool;
  viewers: Viewers;
  /** The supervisor's status, read at scrape time (a getter: the supervisor is built after the metrics). */
  source: () => SourceStatus;
  version: string;
}

export interface MetricsOptions {
  /** process_* and nodejs_* metrics (CPU, memory, fds, event-loop lag, GC). */
  processMetrics: boolean;
}

const STATES: SourceState[] = ['starting', 'live', 'offline', 'idle', 'stopped'];

/** How often event-loop lag is sampled for nodejs_eventloop_lag_*, ms. */
export const LAG_SAMPLE_MS = 1000;

/** Upper bounds in seconds: a Pi 4 encodes 640x480 in ~5–15 ms, a Pi Zero 1080p in ~100+ ms. */
export const ENCODE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64];

export class CamstreamMetrics {
  readonly registry = new Registry();
  /** Frames handed over by the source (before drop-same-frames). Counted by instrumentSource. */
  captured = 0;
  private readonly encodeSeconds: Histogram;

  constructor(inputs: MetricsInputs, opts: MetricsOptions) {
    const { hub, pool, viewers, source } = inputs;
    const registers = [this.registry];
    // A counter whose value lives elsewhere: replace it at scrape time. Prometheus
    // only needs it to be monotonic, which the underlying counters are.
    const mirror = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });

    new Gauge({
      name: 'camstream_info',
      help: 'Always 1; the labels say which camstream and which camera source this is.',
      labelNames: ['version', 'source'],
      registers,
      collect() {
        this.reset();
        this.labels(inputs.version, source().kind).set(1);
      },
    });
    mirror('camstream_frames_captured_total', 'Frames the camera source delivered (before stream.dropSameFrames).', () => this.captured);
    mirror('camstream_frames_published_total', 'Frames the hub published to viewers (live frames and NO SIGNAL placeholders).', () => hub.counters.published);
    mirror('camstream_frames_dropped_same_total', 'Frames skipped as identical to the previous one (stream.dropSameFrames).', () => hub.counters.droppedSame);
    mirror('camstream_frames_delivered_total', 'Frames written to streaming viewers, summed over viewers.', () => viewers.totals().sent);
    mirror(
      'camstream_frames_dropped_slow_viewer_total',
      'Frames a viewer skipped because its socket had not drained the previous one (it gets the newest instead).',
      () => viewers.totals().dropped,
    );
    mirror('camstream_stream_bytes_sent_total', 'Bytes of MJPEG parts written to streaming viewers (headers of each part included).', () => viewers.totals().bytes);
    gauge('camstream_capture_fps', 'Live frames per second from the camera over the last ~32 frames; 0 when frames stop.', () => hub.fps());
    this.encodeSeconds = new Histogram({
      name: 'camstream_encode_seconds',
      help: 'Time to JPEG-encode one frame, seconds (sources that encode: opencv with raw formats, testpattern).',
      buckets: ENCODE_BUCKETS,
      registers,
    });

    gauge('camstream_viewers_active', 'Viewers streaming now (each holds a slot).', () => viewers.size);
    gauge('camstream_viewers_queued', 'Viewers waiting for a free slot now.', () => pool.waiting);
    gauge('camstream_stream_slots_max', 'Streaming slots (stream.maxClients).', () => pool.max);
    mirror('camstream_viewers_connected_total', 'Viewers that got a slot and started streaming.', () => viewers.counters.connected);
    mirror('camstream_viewers_stalled_total', 'Viewers disconnected because their socket accepted nothing for stream.stallTimeoutMs.', () => viewers.counters.stalled);
    new Counter({
      name: 'camstream_viewers_rejected_total',
      help: 'Viewers refused a slot, by reason: full (503, queue full), per_ip (429, stream.maxClientsPerIp), queue_timeout (503 after waiting stream.queueTimeoutMs).',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        this.labels('full').inc(pool.counters.rejectedFull);
        this.labels('per_ip').inc(pool.counters.rejectedPerIp);
        this.labels('queue_timeout').inc(pool.counters.rejectedTimeout);
      },
    });

    mirror('camstream_source_restarts_total', 'Times the supervisor restarted the camera source after a failure.', () => source().restarts);
    new Gauge({
      name: 'camstream_source_state',
      help: 'The camera source state: 1 for the current state, 0 for the others.',
      labelNames: ['state'],
      registers,
      collect() {
        for (const s of STATES) this.labels(s).set(source().state === s ? 1 : 0);
      },
    });

    // prom-client samples event-loop lag every 10 ms by default: 100 wake-ups a second,
    // more than the camera's own, which a Pi with no viewer pays for nothing (issue 14).
    // Once a second still shows a blocked loop.
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: LAG_SAMPLE_MS });
  }

  /** One encode took `ms` milliseconds. */
  observeEncode(ms: number): void {
    this.encodeSeconds.observe(ms / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
