// 414 for request targets longer than any URL camstream serves could need. Node's
// parser already refuses request lines past its 16 KiB header limit (server.ts turns
// that into 414 too); this catches the long ones below that limit.
import type Koa from 'koa';
import { refuse } from './refuse';

export const MAX_URL_LENGTH = 4096;

export function uriLengthLimit(max = MAX_URL_LENGTH): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.url.length <= max) return next();
    refuse(ctx, 414, 'CAMSTREAM_ERR_URI_TOO_LONG', `URL too long: expected at most ${max} characters, got ${ctx.url.length}`, { close: true });
  };
}
