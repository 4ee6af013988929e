// GET /stream (and /cam/NAME/stream, ?action=stream_N): a multipart/x-mixed-replace
// MJPEG stream of one camera, one slot from that camera's pool per viewer for as long
// as it watches. The route picks the camera; this handler only streams it.
import type Koa from 'koa';
import { SlotRefused } from '../../errors';
import type { Logger } from '../../log';
import { STREAM_HEADERS, STREAM_PREAMBLE } from '../../stream/wire';
import { clientAddress } from '../client-address';
import { parseFps } from '../query';
import { refuse } from '../refuse';
import { parseVariant } from '../variant-param';
import type { Principal } from '../../stream/viewer';
import type { CameraPipeline } from '../../pipeline/camera-pipeline';

/** What streaming a camera needs of it. */
export type StreamTarget = Pick<CameraPipeline, 'name' | 'pool' | 'viewers' | 'maxFps' | 'variants'>;

export function streamHandler(log: Logger) {
  return async (ctx: Koa.Context, cam: StreamTarget): Promise<void> => {
    const maxFps = parseFps(ctx.query, cam.maxFps);
    // Kept with the viewer so a reload that changes stream.maxFps can re-cap it.
    const requestedFps = ctx.query.fps ? parseFps(ctx.query, Infinity) : undefined;
    const choice = parseVariant(ctx.query, cam.variants?.names ?? [], true);
    if (ctx.method === 'HEAD') {
      ctx.set(STREAM_HEADERS);
      ctx.status = 200;
      return;
    }
    const address = clientAddress(ctx.req);
    const socket = ctx.req.socket;
    // The viewer may leave while queued for a slot: give its place up at once.
    const gone = new AbortController();
    const onGone = () => gone.abort(new Error('client went away while queued'));
    socket.once('close', onGone);
    let slot;
    try {
      slot = await cam.pool.acquire(address, gone.signal);
    } catch (err) {
      if (err instanceof SlotRefused) {
        log.info({ camera: cam.name, address, code: err.code, status: err.status }, 'viewer refused');
        return refuse(ctx, err.status, err.code, `${err.message}; retry in ${err.retryAfterSec} s`, { retryAfterSec: err.retryAfterSec });
      }
      if (gone.signal.aborted) {
        ctx.respond = false;
        return;
      }
      throw err;
    } finally {
      socket.off('close', onGone);
    }
    if (socket.destroyed) {
      slot.release();
      ctx.respond = false;
      return;
    }

    // From here on the response is ours, not Koa's: headers once, then frames
    // written straight to the socket (one write per frame, no chunked framing).
    ctx.respond = false;
    const res = ctx.res as typeof ctx.res & { useChunkedEncodingByDefault: boolean };
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, STREAM_HEADERS);
    res.flushHeaders();
    socket.setNoDelay(true);
    socket.write(STREAM_PREAMBLE);
    cam.viewers.add(socket, address, maxFps, () => slot.release(), {
      requestedFps,
      principal: ctx.state.principal as Principal | undefined,
      ...choice,
    });
  };
}
