// Answers for the phone page's files: type, ETag + 304, long caching for versioned
// URLs, gzip when asked, and the security headers every page response carries.
import type Koa from 'koa';
import { ASSET_NAME, webAssets, type Asset } from './static-assets';
import { refuse } from './refuse';

/**
 * No inline script or style anywhere, nothing from other origins. img-src allows
 * blob: (stills mode shows fetched JPEGs through object URLs) and data:.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "font-src 'none'",
  "object-src 'none'",
  "media-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function setSecurityHeaders(ctx: Koa.Context): void {
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
}

/** Does If-None-Match name this ETag (or `*`)? Weak forms (W/"…") match too (RFC 9110 §13.1.2). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim();
    return v === '*' || v === etag || v === `W/${etag}`;
  });
}

/**
 * Send one asset. `immutable`: the URL carries the content hash, so the browser
 * may keep it for a year; otherwise it must revalidate (cheap: a 304).
 */
export function sendAsset(ctx: Koa.Context, asset: Asset, immutable: boolean): void {
  setSecurityHeaders(ctx);
  ctx.set('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  ctx.set('ETag', asset.etag);
  ctx.set('Vary', 'Accept-Encoding');
  if (etagMatches(ctx.get('If-None-Match') || undefined, asset.etag)) {
    ctx.status = 304;
    return;
  }
  ctx.status = 200;
  ctx.type = asset.type;
  if (asset.gzip && /\bgzip\b/.test(ctx.get('Accept-Encoding'))) {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = asset.gzip;
  } else {
    ctx.body = asset.body;
  }
}

function refuseAsset(ctx: Koa.Context, status: 400 | 404, message: string): void {
  setSecurityHeaders(ctx);
  refuse(ctx, status, status === 400 ? 'CAMSTREAM_ERR_BAD_REQUEST' : 'CAMSTREAM_ERR_NOT_FOUND', message);
}

/** GET /assets/:name (and /manifest.webmanifest, /favicon.ico): only files read from web/ at start-up. */
export function assetHandler(dir?: string) {
  return (ctx: Koa.Context): void => {
    const web = webAssets(dir);
    // The router has already decoded the name, so "..%2F" arrives here as "../".
    const name = ctx.params?.name ?? ctx.path.slice(1);
    if (typeof name !== 'string' || !ASSET_NAME.test(name) || name.includes('..')) {
      return refuseAsset(ctx, 400, `bad asset name ${JSON.stringify(String(name))}: expected a plain file name such as app.js`);
    }
    const found = name === 'favicon.ico' ? web.files.get('icon-192.png') : web.files.get(name);
    if (!found || name === 'index.html') return refuseAsset(ctx, 404, `no such asset: ${name}`);
    const v = ctx.query.v;
    sendAsset(ctx, found, typeof v === 'string' && v === found.hash);
  };
}
