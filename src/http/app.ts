// The Koa application: routes only. It never listens (server.ts does), so tests
// and main.ts decide where it runs.
import Koa from 'koa';
import Router from '@koa/router';
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import type { CameraPipeline } from '../pipeline/camera-pipeline';
import type { CamstreamMetrics } from '../metrics/metrics';
import { BadRequest, single } from './query';
import { UnknownVariant } from './variant-param';
import { pageHandler, type PageMode } from './routes/page';
import { snapshot } from './routes/snapshot';
import { cameraHealthOf, health, statusHandler, type StatusInputs } from './routes/status';
import { streamHandler } from './routes/stream';
import { qrHandler } from './routes/qr';
import { assetHandler } from './static-serve';
import { metricsHandler } from '../metrics/route';
import { accessListMiddleware } from './access-list';
import { uriLengthLimit } from './access-uri-length';
import { authMiddleware } from './auth';
import { securityHeaders } from './security-headers';
import { monotonicNow } from '../clock';
import { refuse } from './refuse';
import type { CameraSettings } from '../settings/camera-settings';
import { settingsRoutes } from './routes/settings';

/** What the HTTP layer is given by main.ts. It owns none of these; each route takes only its part. */
export interface AppInputs {
  log: Logger;
  /** The running config (a reload replaces it): the middlewares read it per request. */
  config: () => Readonly<Config>;
  /** Every camera, index 0 first (the one /stream serves). */
  cameras: readonly CameraPipeline[];
  /** /api/status's own inputs besides cameras, config and the clock. */
  status: Pick<StatusInputs, 'version' | 'startedAt' | 'total' | 'reload' | 'bandwidth'>;
  /** Prometheus metrics for GET /metrics; undefined while metrics.enabled is false. */
  metrics: () => CamstreamMetrics | undefined;
  /** Each camera's settings from the page (index order, as cameras); none = the settings routes answer 404. */
  settings?: readonly CameraSettings[];
  /** Monotonic clock for uptime, lockouts and caches; default clock.ts. */
  now?: () => number;
}

/** mjpg-streamer's multi-input actions: stream_N, snapshot_N (N = the camera's index). */
const ACTION = /^(stream|snapshot)(?:_(\d{1,3}))?$/;

export function createApp(inputs: AppInputs): Koa {
  const app = new Koa();
  const log = inputs.log.child({ module: 'http' });
  const now = inputs.now ?? monotonicNow;
  const router = new Router();
  const { cameras } = inputs;
  const names = () => cameras.map((c) => c.name).join(', ');

  // Unknown camera: 404 naming the cameras there are.
  const noCamera = (ctx: Koa.Context, what: string): void => refuse(ctx, 404, 'CAMSTREAM_ERR_NO_CAMERA', `no camera ${what}; cameras: ${names()}`);
  const byName = (ctx: Koa.Context): CameraPipeline | undefined => {
    const cam = cameras.find((c) => c.name === ctx.params.name);
    if (!cam) noCamera(ctx, `named ${JSON.stringify(ctx.params.name)}`);
    return cam;
  };

  const stream = streamHandler(inputs.log.child({ module: 'stream' }));
  const page = pageHandler(inputs.log);
  const pageOf = (ctx: Koa.Context, cam: CameraPipeline, base: string, defaultMode?: PageMode) =>
    page(ctx, { name: cam.name, width: cam.entry.camera.width, height: cam.entry.camera.height, variants: cam.variants !== undefined }, base, defaultMode);
  const first = cameras[0];

  router.get(['/stream', '/stream.mjpg'], (ctx) => stream(ctx, first));
  router.get(['/snapshot', '/snapshot.jpg'], (ctx) => snapshot(ctx, first));
  // mjpg-streamer's URLs, which OctoPrint, Crowsnest and Mainsail default to; with
  // several cameras, ?action=stream_N / snapshot_N pick camera index N.
  router.get('/', async (ctx) => {
    const action = single(ctx.query, 'action');
    if (action === undefined) return pageOf(ctx, first, '', cameras.length > 1 ? 'snapshot' : 'stream');
    const m = ACTION.exec(action);
    if (!m) throw new BadRequest(`unknown action ${JSON.stringify(action)}: use ?action=stream or ?action=snapshot (or stream_N / snapshot_N for camera index N)`);
    const cam = m[2] === undefined ? first : cameras[Number(m[2])];
    if (!cam) return noCamera(ctx, `with index ${m[2]}`);
    return m[1] === 'stream' ? stream(ctx, cam) : snapshot(ctx, cam);
  });
  // One camera by name: its own stream, snapshot, health and phone page.
  router.get(['/cam/:name/stream', '/cam/:name/stream.mjpg'], (ctx) => {
    const cam = byName(ctx);
    return cam && stream(ctx, cam);
  });
  router.get(['/cam/:name/snapshot', '/cam/:name/snapshot.jpg'], (ctx) => {
    const cam = byName(ctx);
    return cam && snapshot(ctx, cam);
  });
  router.get('/cam/:name/healthz', (ctx) => {
    const cam = byName(ctx);
    if (cam) cameraHealthOf(ctx, cam, now());
  });
  // (The router is not strict: /cam/NAME without the slash is this page too.)
  router.get('/cam/:name/', (ctx) => {
    const cam = byName(ctx);
    if (cam) pageOf(ctx, cam, `/cam/${encodeURIComponent(cam.name)}`);
  });
  // Camera settings (routes/settings.ts): camera 0 at /api/camera/…, each camera under /cam/NAME/.
  const settings = settingsRoutes(inputs.config);
  const settingsOf = (cam: CameraPipeline | undefined) => (cam ? inputs.settings?.[cam.index] : undefined);
  for (const [method, paths, handler] of [
    ['get', ['/api/camera/controls', '/cam/:name/api/camera/controls'], settings.get],
    ['patch', ['/api/camera/settings', '/cam/:name/api/camera/settings'], settings.patch],
    ['delete', ['/api/camera/settings', '/cam/:name/api/camera/settings'], settings.reset],
  ] as const) {
    router[method](paths as unknown as string[], async (ctx) => {
      const cam = ctx.params.name === undefined ? first : byName(ctx);
      const s = settingsOf(cam);
      if (s) return handler(ctx, s);
      if (cam) refuse(ctx, 404, 'CAMSTREAM_ERR_NOT_FOUND', 'camera settings are not served here');
    });
  }
  // The phone page's files (web/), held in memory: no URL reaches the file system.
  const asset = assetHandler();
  router.get(['/assets/:name', '/manifest.webmanifest', '/favicon.ico'], asset);
  router.get('/api/status', statusHandler({ ...inputs.status, now, config: inputs.config, cameras }));
  router.get('/qr.svg', qrHandler());
  router.get('/healthz', (ctx) => health(ctx, { now, cameras }));
  // Always routed: metrics.enabled may be switched by a config reload; off = 404.
  router.get('/metrics', (ctx) => {
    const m = inputs.metrics();
    return m ? metricsHandler(m)(ctx) : refuse(ctx, 404, 'CAMSTREAM_ERR_METRICS_DISABLED', 'metrics are off here: set metrics.enabled to true to serve /metrics');
  });

  // Headers first, so every answer carries them, refusals included.
  // Built from the running config and rebuilt when a reload changes their part of it.
  const live = <T>(select: (c: Readonly<Config>) => T, build: (slice: T) => Koa.Middleware): Koa.Middleware => {
    let ref = select(inputs.config());
    let json = JSON.stringify(ref);
    let mw = build(ref);
    return (ctx, next) => {
      const cur = select(inputs.config());
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
      if (err instanceof BadRequest || err instanceof UnknownVariant) return refuse(ctx, 400, err.code, err.message);
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
  app.use(live((c) => c.server.allow, (allow) => accessListMiddleware(allow, inputs.log)));
  app.use(live((c) => c.auth, (auth) => authMiddleware({ auth, log: inputs.log, now: inputs.now })));
  app.use(router.routes());
  app.use(router.allowedMethods());
  // A client that hangs up mid-response is not a server error worth a stack trace.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    log.warn({ err }, 'koa error');
  });
  return app;
}
