// Headers every response carries, set in this one middleware (routes and the static
// web UI do not repeat them). Set before the route runs, so they also reach
// responses that routes write themselves (the MJPEG stream's writeHead merges them).
//
// Frame embedding follows http.frameAncestors: CSP frame-ancestors for today's
// browsers, plus X-Frame-Options where it can say the same thing (DENY / SAMEORIGIN;
// it cannot express a list of origins, so it is left out then, and CSP governs).
import type Koa from 'koa';

/**
 * The default policy, for every response that does not bring its own (the web UI's
 * pages set theirs in static-serve.ts): own-origin scripts, styles, images (the
 * stream, blob: stills) and fetches, nothing inline.
 */
export function contentSecurityPolicy(frameAncestors: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors.join(' ')}`,
  ].join('; ');
}

/** `policy` with its frame-ancestors directive replaced by (or given) the configured one. */
export function withFrameAncestors(policy: string, frameAncestors: readonly string[]): string {
  const rest = policy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d !== '' && !/^frame-ancestors(\s|$)/i.test(d));
  return [...rest, `frame-ancestors ${frameAncestors.join(' ')}`].join('; ');
}

export function xFrameOptions(frameAncestors: readonly string[]): string | null {
  if (frameAncestors.length === 1 && frameAncestors[0] === "'none'") return 'DENY';
  if (frameAncestors.length === 1 && frameAncestors[0] === "'self'") return 'SAMEORIGIN';
  return null;
}

export function securityHeaders(http: { frameAncestors: readonly string[] }): Koa.Middleware {
  const csp = contentSecurityPolicy(http.frameAncestors);
  const xfo = xFrameOptions(http.frameAncestors);
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Content-Security-Policy', csp);
    if (xfo) ctx.set('X-Frame-Options', xfo);
    await next();
    if (ctx.res.headersSent) return;
    // A route with a policy of its own (the web UI) keeps it, but who may embed the
    // page is the operator's choice, from config, whatever the route said.
    const own = ctx.response.get('Content-Security-Policy');
    if (own && own !== csp) ctx.set('Content-Security-Policy', withFrameAncestors(own, http.frameAncestors));
    if (xfo) ctx.set('X-Frame-Options', xfo);
    else ctx.remove('X-Frame-Options');
  };
}
