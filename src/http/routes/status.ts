// GET /api/status (JSON for people, the phone page and tools) and GET /healthz
// (200 while frames flow, 503 otherwise: for systemd, monitors and load balancers).
import type Koa from 'koa';
import type { AppDeps } from '../deps';
import { monotonicNow, wallTimeOf } from '../../clock';

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** A frame older than this means the camera is not delivering. */
export function liveWindowMs(fps: number): number {
  return Math.max(3000, Math.ceil(3000 / fps));
}

export function statusBody(deps: AppDeps) {
  // Monotonic: an NTP jump must not make uptime negative or days long.
  const now = (deps.now ?? monotonicNow)();
  const { config, hub, pool, viewers, source } = deps;
  const latest = hub.latest;
  const totals = viewers.totals();
  return {
    version: deps.version,
    uptimeSec: Math.round((now - deps.startedAt) / 1000),
    live: hub.isLive(liveWindowMs(config.camera.fps)),
    source: {
      kind: source.kind,
      description: source.description,
      state: source.state,
      reason: source.reason,
      since: new Date(wallTimeOf(source.since, now)).toISOString(),
      restarts: source.restarts,
      ...(source.selected ? { selected: source.selected } : {}),
    },
    resolution: latest ? { width: latest.width, height: latest.height } : null,
    fps: round(hub.fps()),
    targetFps: config.camera.fps,
    frames: { seq: latest?.seq ?? 0, lastAt: latest ? new Date(latest.capturedAt).toISOString() : null, bytes: latest?.jpeg.length ?? 0 },
    slots: { used: pool.inUse, queued: pool.waiting, max: pool.max, maxPerIp: config.stream.maxClientsPerIp, queueSize: config.stream.queueSize },
    totals: { viewersServed: viewers.counters.connected, framesSent: totals.sent, framesDropped: totals.dropped, bytesSent: totals.bytes, rejected: pool.counters.rejectedFull + pool.counters.rejectedPerIp + pool.counters.rejectedTimeout },
    viewers: viewers.list().map((v) => ({
      id: v.id,
      address: v.address,
      since: new Date(wallTimeOf(v.startedAt, now)).toISOString(),
      fps: round(v.fps()),
      maxFps: v.maxFps,
      sent: v.sent,
      dropped: v.dropped,
    })),
    config: {
      // Keys changed in the file that only `systemctl restart camstream` applies.
      pendingRestart: deps.reload?.pendingRestart ?? [],
      lastReload: deps.reload?.last ?? null,
    },
  };
}

export function statusHandler(deps: AppDeps) {
  return (ctx: Koa.Context): void => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = statusBody(deps);
  };
}

export function healthHandler(deps: AppDeps) {
  return (ctx: Koa.Context): void => {
    const live = deps.hub.isLive(liveWindowMs(deps.config.camera.fps));
    ctx.set('Cache-Control', 'no-store');
    // camera.idle=stop releases the camera on purpose when nobody watches: that is
    // healthy (the next viewer starts it), and a monitor must not page anyone for it.
    if (deps.source.state === 'idle') {
      ctx.status = 200;
      ctx.body = { status: 'idle', reason: deps.source.reason };
      return;
    }
    ctx.status = live ? 200 : 503;
    ctx.body = live
      ? { status: 'ok', fps: round(deps.hub.fps()) }
      : { status: 'unavailable', source: deps.source.state, reason: deps.source.reason ?? 'no recent frame from the camera' };
  };
}
