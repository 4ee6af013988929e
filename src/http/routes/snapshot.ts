// GET /snapshot: the newest JPEG. Takes no streaming slot.
import type Koa from 'koa';
import type { AppDeps } from '../deps';
import { refuse } from '../refuse';

export function snapshotHandler(deps: AppDeps) {
  return (ctx: Koa.Context): void => {
    const frame = deps.hub.latest;
    ctx.set('Cache-Control', 'no-store, no-cache, must-revalidate, max-age=0');
    if (!frame) {
      return refuse(ctx, 503, 'CAMSTREAM_ERR_NO_FRAME', `no frame yet: the camera (${deps.source.kind}) is ${deps.source.state}${deps.source.reason ? `: ${deps.source.reason}` : ''}`, { retryAfterSec: 1 });
    }
    ctx.status = 200;
    ctx.type = 'image/jpeg';
    ctx.set('X-Timestamp', (frame.capturedAt / 1000).toFixed(6));
    ctx.set('X-Camstream-Live', String(frame.live));
    ctx.body = frame.jpeg;
  };
}
