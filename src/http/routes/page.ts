// GET / : the phone page (web/index.html). The server fills in the configured size
// (so the picture's box has the right shape before the first frame) and the mode:
//   /                  live MJPEG in a plain <img src="/stream">: plays with JavaScript off
//   /?mode=snapshot    stills: <img src="/snapshot">, refreshed by app.js; holds no slot
import type Koa from 'koa';
import type { AppDeps } from '../deps';
import { BadRequest, single } from '../query';
import { makeAsset, webAssets, type Asset } from '../static-assets';
import { sendAsset } from '../static-serve';

export const PAGE_MODES = ['stream', 'snapshot'] as const;
export type PageMode = (typeof PAGE_MODES)[number];

// Used only when web/index.html is missing (a broken install): still shows the camera.
const FALLBACK = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>camstream</title></head><body>
<p>camstream: the page files (web/) are missing from this install; showing the bare stream.</p>
<img src="{{src}}" width="{{width}}" height="{{height}}" alt="live camera">
</body></html>
`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderPage(template: string, mode: PageMode, width: number, height: number): string {
  const values: Record<string, string> = {
    mode,
    src: mode === 'snapshot' ? '/snapshot' : '/stream',
    width: String(width),
    height: String(height),
    // The other mode, as a plain link: switching works without JavaScript too.
    otherHref: mode === 'snapshot' ? '/?mode=stream' : '/?mode=snapshot',
    otherLabel: mode === 'snapshot' ? 'Live' : 'Stills',
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => (key in values ? escapeHtml(values[key]) : whole));
}

export function pageHandler(deps: AppDeps, dir?: string) {
  const { width, height } = deps.config.camera;
  const web = webAssets(dir);
  if (web.indexTemplate === null) {
    deps.log.child({ module: 'http' }).error({ dir: web.dir }, 'web/index.html not found: serving a bare fallback page');
  }
  const template = web.indexTemplate ?? FALLBACK;
  const pages = new Map<PageMode, Asset>(
    PAGE_MODES.map((m) => [m, makeAsset('index.html', Buffer.from(renderPage(template, m, width, height)), 'text/html; charset=utf-8')]),
  );
  return (ctx: Koa.Context): void => {
    const raw = single(ctx.query, 'mode');
    const mode = raw === undefined || raw === '' ? 'stream' : raw;
    if (!(PAGE_MODES as readonly string[]).includes(mode)) {
      throw new BadRequest(`mode: expected "stream" or "snapshot", got ${JSON.stringify(mode)}`);
    }
    sendAsset(ctx, pages.get(mode as PageMode)!, false);
  };
}
