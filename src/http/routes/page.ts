// GET / : the phone page (web/index.html). The server fills in the configured size
// (so the picture's box has the right shape before the first frame) and the mode:
//   /                  live MJPEG in a plain <img src="/stream">: plays with JavaScript off
//   /?mode=snapshot    stills: <img src="/snapshot">, refreshed by app.js; holds no slot
//   / with several cameras: stills of camera 0 by default, since app.js turns / into the
//                      grid of stills; a live <img> would take one of camera 0's slots
//                      for nothing while the page loads
// GET /cam/NAME/ is the same page for camera NAME: its URLs under /cam/NAME
// ({{src}}, {{otherHref}}, and {{streamUrl}}, {{snapshotUrl}}, {{camera}} for web/).
import type Koa from 'koa';
import type { Logger } from '../../log';
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

/** `base`: '' for /, '/cam/NAME' for one camera's page; `camera`: its name. */
export function renderPage(template: string, mode: PageMode, width: number, height: number, base = '', camera = '', variant = ''): string {
  const values: Record<string, string> = {
    mode,
    // With stream.variants the page streams ?variant=auto: a phone on a slow link gets a picture it can carry.
    src: mode === 'snapshot' ? `${base}/snapshot` : `${base}/stream${variant ? `?variant=${variant}` : ''}`,
    variant,
    streamUrl: `${base}/stream`,
    snapshotUrl: `${base}/snapshot`,
    camera,
    width: String(width),
    height: String(height),
    // The other mode, as a plain link: switching works without JavaScript too.
    otherHref: mode === 'snapshot' ? `${base}/?mode=stream` : `${base}/?mode=snapshot`,
    otherLabel: mode === 'snapshot' ? 'Live' : 'Stills',
  };
  return template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => (key in values ? escapeHtml(values[key]) : whole));
}

/** What the page needs of a camera: its name and picture size. */
export interface PageCamera {
  name: string;
  width: number;
  height: number;
  /** The camera has stream.variants: the page streams ?variant=auto. */
  variants?: boolean;
}

export function pageHandler(log: Logger, dir?: string) {
  const web = webAssets(dir);
  if (web.indexTemplate === null) {
    log.child({ module: 'http' }).error({ dir: web.dir }, 'web/index.html not found: serving a bare fallback page');
  }
  const template = web.indexTemplate ?? FALLBACK;
  // Rendered once per page and mode, on first request: the size is the configured one
  // at that time, as it always was.
  const pages = new Map<string, Asset>();
  /** `base`: '' for /, '/cam/NAME' for one camera's page; `defaultMode` without ?mode=. */
  return (ctx: Koa.Context, cam: PageCamera, base: string, defaultMode: PageMode = 'stream'): void => {
    const raw = single(ctx.query, 'mode');
    const mode = raw === undefined || raw === '' ? defaultMode : raw;
    if (!(PAGE_MODES as readonly string[]).includes(mode)) {
      throw new BadRequest(`mode: expected "stream" or "snapshot", got ${JSON.stringify(mode)}`);
    }
    const key = `${base} ${mode}`;
    let page = pages.get(key);
    if (!page) {
      page = makeAsset('index.html', Buffer.from(renderPage(template, mode as PageMode, cam.width, cam.height, base, cam.name, cam.variants ? 'auto' : '')), 'text/html; charset=utf-8');
      pages.set(key, page);
    }
    sendAsset(ctx, page, false);
  };
}
