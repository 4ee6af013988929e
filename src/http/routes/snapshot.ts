// GET /snapshot (and /cam/NAME/snapshot, ?action=snapshot_N): the camera's newest
// JPEG. Takes no streaming slot.
import type Koa from 'koa';
import type { CameraPipeline } from '../../pipeline/camera-pipeline';
import { refuse } from '../refuse';

/** What a snapshot needs of a camera. */
export type SnapshotTarget = Pick<CameraPipeline, 'hub' | 'supervisor'>;

export function snapshot(ctx: Koa.Context, cam: SnapshotTarget): void {
  const frame = cam.hub.latest;
  const source = cam.supervisor.status;
  ctx.set('Cache-Control', 'no-store, no-cache, must-revalidate, max-age=0');
  if (!frame) {
    return refuse(ctx, 503, 'CAMSTREAM_ERR_NO_FRAME', `no frame yet: the camera (${source.kind}) is ${source.state}${source.reason ? `: ${source.reason}` : ''}`, { retryAfterSec: 1 });
  }
  ctx.status = 200;
  ctx.type = 'image/jpeg';
  ctx.set('X-Timestamp', (frame.capturedAt / 1000).toFixed(6));
  ctx.set('X-Camstream-Live', String(frame.live));
  ctx.body = frame.jpeg;
}
