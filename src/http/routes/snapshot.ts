// GET /snapshot (and /cam/NAME/snapshot, ?action=snapshot_N): the camera's newest
// JPEG, or with ?variant=NAME that picture at the variant's size (made for the
// request if no viewer keeps it fresh). Takes no streaming slot.
import type Koa from 'koa';
import type { CameraPipeline } from '../../pipeline/camera-pipeline';
import type { Frame } from '../../hub/frame';
import { refuse } from '../refuse';
import { parseVariant } from '../variant-param';

/** What a snapshot needs of a camera. */
export type SnapshotTarget = Pick<CameraPipeline, 'hub' | 'supervisor' | 'variants'>;

/** How long a variant snapshot may take to make, ms (one decode, resize and encode; slow on a busy Pi Zero). */
const VARIANT_TIMEOUT_MS = 5000;

export async function snapshot(ctx: Koa.Context, cam: SnapshotTarget): Promise<void> {
  const { variant } = parseVariant(ctx.query, cam.variants?.names ?? [], false);
  const source = cam.supervisor.status;
  ctx.set('Cache-Control', 'no-store, no-cache, must-revalidate, max-age=0');
  const noFrame = (why: string) => refuse(ctx, 503, 'CAMSTREAM_ERR_NO_FRAME', why, { retryAfterSec: 1 });
  if (!cam.hub.latest) {
    return noFrame(`no frame yet: the camera (${source.kind}) is ${source.state}${source.reason ? `: ${source.reason}` : ''}`);
  }
  let frame: Frame = cam.hub.latest;
  if (variant !== null) {
    try {
      frame = await cam.variants!.fresh(variant, VARIANT_TIMEOUT_MS);
    } catch (err) {
      return noFrame(`no ${variant} picture: ${(err as Error).message}`);
    }
  }
  ctx.status = 200;
  ctx.type = 'image/jpeg';
  ctx.set('X-Timestamp', (frame.capturedAt / 1000).toFixed(6));
  ctx.set('X-Camstream-Live', String(frame.live));
  if (variant !== null) ctx.set('X-Camstream-Variant', variant);
  ctx.body = frame.jpeg;
}
