// GET / : a minimal page that shows the stream. It works with JavaScript off
// (a plain <img src="/stream">). The phone page replaces it.
import type Koa from 'koa';
import type { AppDeps } from '../deps';

export function pageHandler(deps: AppDeps) {
  const { width, height } = deps.config.camera;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>camstream</title>
<style>html,body{margin:0;background:#111;color:#ddd;font:14px system-ui,sans-serif}img{display:block;width:100%;height:auto;max-width:${width}px;margin:auto}p{text-align:center}</style>
</head><body>
<img src="/stream" width="${width}" height="${height}" alt="live camera">
<p><a href="/snapshot" style="color:#8cf">snapshot</a> · <a href="/api/status" style="color:#8cf">status</a></p>
</body></html>
`;
  return (ctx: Koa.Context): void => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = html;
  };
}
