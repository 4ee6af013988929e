// Wraps a frame source so each delivered frame is counted and, when the source
// reports how long its JPEG encode took (FrameInfo.encodeMs), timed into the
// histogram. The source itself knows nothing about metrics; everything else on the
// source (kind, describe(), anything a source kind adds later) passes through.
import type { FrameInfo, FrameSink, FrameSource } from '../capture/source';
import type { CamstreamMetrics } from './metrics';

/** `metrics` may be a getter: metrics.enabled can be switched by a config reload while the camera runs. */
export function instrumentSource(source: FrameSource, metricsOrGet: CamstreamMetrics | (() => CamstreamMetrics | undefined)): FrameSource {
  const get = typeof metricsOrGet === 'function' ? metricsOrGet : () => metricsOrGet;
  const start = (sink: FrameSink): Promise<void> =>
    source.start({
      frame(jpeg: Buffer, info?: FrameInfo) {
        const metrics = get();
        if (metrics) {
          metrics.captured++;
          if (info?.encodeMs !== undefined) metrics.observeEncode(info.encodeMs);
        }
        sink.frame(jpeg, info);
      },
      fail: (err: Error) => sink.fail(err),
      switched: () => sink.switched?.(),
    });
  return new Proxy(source, {
    get(target, prop) {
      if (prop === 'start') return start;
      const v = Reflect.get(target, prop, target) as unknown;
      // Methods run on the real source, so their `this` and state stay there.
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
