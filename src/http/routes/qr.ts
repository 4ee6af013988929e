// GET /qr.svg: a QR code of the address the browser used to reach camstream (scheme
// and Host header, path /), so the phone page can pass the camera on to another phone.
// Drawn by Debian's qrencode (install.sh installs it; no QR encoder of our own), as
// SVG from this origin (the CSP allows no other). Cached per address; at most two
// drawings run at once, so a flood of made-up Host headers cannot fork-bomb the Pi.
import { execFile } from 'node:child_process';
import type Koa from 'koa';
import { BadRequest } from '../query';
import { refuse } from '../refuse';

/** A host name, IPv4 address or [IPv6] address, with an optional port: what a Host header may hold. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const MAX_CACHED = 16;
const MAX_RUNNING = 2;

export interface QrOptions {
  /** The qrencode program; default from PATH. */
  qrencode?: string;
}

function draw(bin: string, url: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['-t', 'SVG', '-m', '2', '-o', '-', url], { encoding: 'buffer', timeout: 5000, maxBuffer: 1 << 20 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}

export function qrHandler(opts: QrOptions = {}) {
  const bin = opts.qrencode ?? 'qrencode';
  const cache = new Map<string, Buffer>();
  let running = 0;
  return async (ctx: Koa.Context): Promise<void> => {
    const host = ctx.get('Host');
    if (!HOST.test(host)) throw new BadRequest(`Host: expected a host name or address with an optional port, got ${JSON.stringify(host.slice(0, 100))}`);
    const url = `${ctx.protocol}://${host}/`;
    let svg = cache.get(url);
    if (!svg) {
      if (running >= MAX_RUNNING) {
        return refuse(ctx, 503, 'CAMSTREAM_ERR_QR_BUSY', 'busy drawing QR codes; retry in a second', { retryAfterSec: 1 });
      }
      running++;
      try {
        svg = await draw(bin, url);
      } catch (err) {
        const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
        return refuse(ctx, missing ? 501 : 500, 'CAMSTREAM_ERR_QR_UNAVAILABLE', missing ? 'QR codes need qrencode on the server (apt-get install qrencode)' : 'could not draw the QR code');
      } finally {
        running--;
      }
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
      cache.set(url, svg);
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'image/svg+xml';
    ctx.body = svg;
  };
}
