// The Koa application: routes only. It never listens (server.ts does), so tests
// and main.ts decide where it runs.
import Koa from 'koa';
import Router from '@koa/router';
import type { AppDeps } from './deps';
import { BadRequest, single } from './query';
import { pageHandler } from './routes/page';
import { snapshotHandler } from './routes/snapshot';
import { healthHandler, statusHandler } from './routes/status';
import { streamHandler } from './routes/stream';
import { qrHandler } from './routes/qr';
import { assetHandler } from './static-serve';
import { metricsHandler } from '../metrics/route';
import { accessListMiddleware } from './access-list';
import { uriLengthLimit } from './access-uri-length';
import { authMiddleware } from './auth';
import { securityHeaders } from './security-headers';
import { refuse } from './refuse';

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  const log = deps.log.child({ module: 'http' });
  const router = new Router();

  const stream = streamHandler(deps);
  const snapshot = snapshotHandler(deps);
  const page = pageHandler(deps);

  router.get(['/stream', '/stream.mjpg'], stream);
  router.get(['/snapshot', '/snapshot.jpg'], snapshot);
  // mjpg-streamer's URLs, which OctoPrint, Crowsnest and Mainsail default to.
  router.get('/', async (ctx) => {
    const action = single(ctx.query, 'action');
    if (action === undefined) return page(ctx);
    if (action === 'stream') return stream(ctx);
    if (action === 'snapshot') return snapshot(ctx);
    throw new BadRequest(`unknown action ${JSON.stringify(action)}: use ?action=stream or ?action=snapshot`);
  });
  // The phone page's files (web/), held in memory: no URL reaches the file system.
  const asset = assetHandler(deps);
  router.get(['/assets/:name', '/manifest.webmanifest', '/favicon.ico'], asset);
  router.get('/api/status', statusHandler(deps));
  router.get('/qr.svg', qrHandler());
  router.get('/healthz', healthHandler(deps));
  // Always routed: metrics.enabled may be switched by a config reload; off = 404.
  router.get('/metrics', (ctx) =>
    deps.metrics ? metricsHandler(deps.metrics)(ctx) : refuse(ctx, 404, 'CAMSTREAM_ERR_METRICS_DISABLED', 'metrics are off here: set metrics.enabled to true to serve /metrics'),
  );

  // Headers first, so every answer carries them, refusals included.
  // Built from deps.config and rebuilt when a reload changes their part of it.
  const live = <T>(select: (c: AppDeps['config']) => T, build: (slice: T) => Koa.Middleware): Koa.Middleware => {
    let ref = select(deps.config);
    let json = JSON.stringify(ref);
    let mw = build(ref);
    return (ctx, next) => {
      const cur = select(deps.config);
      if (cur !== ref) {
        ref = cur;
        const j = JSON.stringify(cur);
        if (j !== json) {
          json = j;
          mw = build(cur);
        }
      }
      return mw(ctx, next);
    };
  };
  app.use(live((c) => c.http, (http) => securityHeaders(http)));
  app.use(uriLengthLimit());
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (err instanceof BadRequest) return refuse(ctx, 400, err.code, err.message);
      log.error({ err, url: ctx.url }, 'request failed');
      return refuse(ctx, 500, 'CAMSTREAM_ERR_INTERNAL', 'internal error (the server log has the details)');
    }
    // What no route answered: unknown paths (Koa's default 404) and methods the router
    // refused (allowedMethods: 405 with Allow, 501 for methods it does not know).
    if (ctx.respond === false || (ctx.body !== undefined && ctx.body !== null)) return;
    const path = JSON.stringify(ctx.path.slice(0, 200));
    if (ctx.status === 404) return refuse(ctx, 404, 'CAMSTREAM_ERR_NOT_FOUND', `not found: no page at ${path} (the README lists the URLs)`);
    if (ctx.status === 405 || ctx.status === 501) {
      const allow = ctx.response.get('Allow') || 'GET, HEAD';
      return refuse(ctx, ctx.status, 'CAMSTREAM_ERR_METHOD_NOT_ALLOWED', `method ${ctx.method} not allowed on ${path}: use ${allow}`);
    }
  });
  // Access list, then authentication, then the router: nothing reaches a route (or
  // learns which paths exist) without passing both.
  app.use(live((c) => c.server.allow, (allow) => accessListMiddleware(allow, deps.log)));
  app.use(live((c) => c.auth, (auth) => authMiddleware({ auth, log: deps.log, now: deps.now })));
  app.use(router.routes());
  app.use(router.allowedMethods());
  // A client that hangs up mid-response is not a server error worth a stack trace.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    log.warn({ err }, 'koa error');
  });
  return app;
}
