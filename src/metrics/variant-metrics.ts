// Metrics of stream.variants and stream.maxMbps, read at scrape time like the rest
// (metrics.ts): the budget, what viewers took, each viewer's picture and rate, and
// how much work the variant encoders did. Per-viewer series are rebuilt at every
// scrape, so a viewer that left leaves no series behind.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BandwidthBudget } from '../stream/bandwidth';
import type { VariantEncoder } from '../stream/variants';

export interface VariantMetricsCamera {
  readonly name: string;
  readonly variants?: VariantEncoder;
}

export function registerVariantMetrics(registry: Registry, cams: readonly VariantMetricsCamera[], bandwidth: BandwidthBudget | undefined): void {
  const registers = [registry];
  const encoders = () => cams.filter((c) => c.variants).map((c) => ({ camera: c.name, enc: c.variants! }));
  new Counter({
    name: 'camstream_variant_encodes_total',
    help: 'Variant JPEGs made (stream.variants), by camera and variant: one resize and encode each. 0 while nobody watches a variant.',
    labelNames: ['camera', 'variant'],
    registers,
    collect() {
      this.reset();
      for (const { camera, enc } of encoders()) for (const [variant, n] of Object.entries(enc.counters.perVariant)) this.inc({ camera, variant }, n);
    },
  });
  new Counter({
    name: 'camstream_variant_decodes_total',
    help: 'Camera frames decoded to make variants (one decode serves every variant of that frame).',
    labelNames: ['camera'],
    registers,
    collect() {
      this.reset();
      for (const { camera, enc } of encoders()) this.inc({ camera }, enc.counters.decodes);
    },
  });
  new Counter({
    name: 'camstream_variant_frames_skipped_total',
    help: 'Camera frames no variant was made of because the encoder was still busy with an earlier one (variant viewers get the newest instead).',
    labelNames: ['camera'],
    registers,
    collect() {
      this.reset();
      for (const { camera, enc } of encoders()) this.inc({ camera }, enc.counters.skipped);
    },
  });
  if (!bandwidth) return;
  new Gauge({
    name: 'camstream_bandwidth_budget_mbps',
    help: 'stream.maxMbps: the budget of all streaming viewers together, Mbit/s; 0 = none.',
    registers,
    collect() {
      this.set(bandwidth.budgetMbps);
    },
  });
  new Gauge({
    name: 'camstream_bandwidth_used_mbps',
    help: 'What all streaming viewers took together over the last ~3 s, Mbit/s.',
    registers,
    collect() {
      this.set(bandwidth.usedMbps());
    },
  });
  const perViewer = (name: string, help: string, read: (v: ReturnType<BandwidthBudget['viewers']>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['camera', 'viewer', 'variant'],
      registers,
      collect() {
        this.reset();
        for (const v of bandwidth.viewers()) this.set({ camera: v.camera, viewer: String(v.id), variant: v.variant }, read(v));
      },
    });
  perViewer('camstream_viewer_fps', 'Frames per second each streaming viewer got over the last ~3 s; `variant` is the picture it gets (full or a stream.variants name).', (v) => v.fps);
  perViewer('camstream_viewer_mbps', 'Mbit/s each streaming viewer took over the last ~3 s.', (v) => v.mbps);
  perViewer('camstream_viewer_budget_fps', 'The frame-rate cap stream.maxMbps put on each viewer; 0 = none.', (v) => v.budgetFps ?? 0);
}
