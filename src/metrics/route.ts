// GET /metrics: the Prometheus text exposition format.
import type Koa from 'koa';
import type { CamstreamMetrics } from './metrics';

export function metricsHandler(metrics: CamstreamMetrics) {
  return async (ctx: Koa.Context): Promise<void> => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.contentType;
    ctx.body = await metrics.text();
  };
}
