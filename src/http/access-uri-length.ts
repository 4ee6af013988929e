// 414 for request targets longer than any URL camstream serves could need. Node's
// parser already refuses request lines past its 16 KiB header limit (server.ts turns
// that into 414 too); this catches the long ones below that limit.
import type Koa from 'koa';

export const MAX_URL_LENGTH = 4096;

export function uriLengthLimit(max = MAX_URL_LENGTH): Koa.Middleware {
  return async (ctx, next) => {
    if (ctx.url.length <= max) return next();
    ctx.status = 414;
    ctx.set('Connection', 'close');
    ctx.type = 'text/plain';
    ctx.body = `URL too long: expected at most ${max} characters, got ${ctx.url.length} (CAMSTREAM_ERR_URI_TOO_LONG)\n`;
  };
}
