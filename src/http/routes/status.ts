// GET /api/status (JSON for people, the phone page and tools) and GET /healthz
// (200 while every camera delivers or is idle on purpose, 503 otherwise: for systemd,
// monitors and load balancers). Both read each camera's state from the one rule in
// pipeline/camera-state.ts, so they cannot disagree.
import type Koa from 'koa';
import type { Config } from '../../config/schema';
import type { CameraPipeline } from '../../pipeline/camera-pipeline';
import type { CameraState } from '../../pipeline/camera-state';
import type { ReloadState } from '../../reload/apply';
import { wallTimeOf } from '../../clock';
import type { BandwidthBudget } from '../../stream/bandwidth';
import { variantSize } from '../../config/variants';

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** What status and health read of a camera. */
export type StatusCamera = Pick<CameraPipeline, 'name' | 'index' | 'hub' | 'pool' | 'viewers' | 'supervisor' | 'entry' | 'state'> & Partial<Pick<CameraPipeline, 'variants'>>;

export interface StatusInputs {
  version: string;
  /** Monotonic ms (clock.ts) at start-up, for uptimeSec. */
  startedAt: number;
  now: () => number;
  config: () => Readonly<Config>;
  cameras: readonly StatusCamera[];
  /** Streaming slots of all cameras together (stream.maxClientsTotal). */
  total: () => { used: number; max: number };
  reload: () => ReloadState;
  /** stream.maxMbps and what each viewer takes (absent in tests that build status alone). */
  bandwidth?: BandwidthBudget;
}

const iso = (mono: number, now: number) => new Date(wallTimeOf(mono, now)).toISOString();

/** The URLs of one camera (the phone page's grid opens `page`). */
export function cameraUrls(name: string) {
  const base = `/cam/${encodeURIComponent(name)}`;
  return { page: `${base}/`, stream: `${base}/stream`, snapshot: `${base}/snapshot` };
}

function cameraSummary(c: StatusCamera, st: CameraState, now: number) {
  const latest = c.hub.latest;
  return {
    name: c.name,
    index: c.index,
    state: st.state,
    since: iso(st.since, now),
    reason: st.reason,
    fps: round(c.hub.fps()),
    targetFps: c.entry.camera.fps,
    resolution: latest ? { width: latest.width, height: latest.height } : null,
    // queued and frames: the phone page's /cam/NAME/ reads them (its waiting notice, the freeze rule).
    slots: { used: c.pool.inUse, queued: c.pool.waiting, max: c.pool.max },
    frames: { seq: latest?.seq ?? 0, bytes: latest?.jpeg.length ?? 0 },
    viewers: c.viewers.size,
    // stream.variants as this camera makes them: size, and who wants one now (0 = no work).
    variants: variantList(c),
    urls: cameraUrls(c.name),
  };
}

function variantList(c: StatusCamera) {
  const enc = c.variants;
  if (!enc) return [];
  const w = c.hub.latest?.width || c.entry.camera.width;
  const h = c.hub.latest?.height || c.entry.camera.height;
  return enc.specs.map((s) => ({ name: s.name, ...variantSize(s, w, h), quality: s.quality, wanted: enc.demand(s.name) }));
}

export function statusBody(inputs: StatusInputs) {
  // Monotonic: an NTP jump must not make uptime negative or days long.
  const now = inputs.now();
  const config = inputs.config();
  const states = inputs.cameras.map((c) => c.state(now));
  // The top-level fields describe camera 0 (index 0), as they did before there were
  // several cameras, so existing tools keep working; `cameras` lists them all.
  const first = inputs.cameras[0];
  const { hub, pool, viewers } = first;
  const source = first.supervisor.status;
  const latest = hub.latest;
  const totals = viewers.totals();
  const reload = inputs.reload();
  return {
    version: inputs.version,
    uptimeSec: Math.round((now - inputs.startedAt) / 1000),
    live: states[0].state === 'live',
    source: {
      kind: source.kind,
      description: source.description,
      state: source.state,
      reason: source.reason,
      since: iso(source.since, now),
      restarts: source.restarts,
      ...(source.selected ? { selected: source.selected } : {}),
    },
    resolution: latest ? { width: latest.width, height: latest.height } : null,
    // Camera 0's, like the fields around it (the phone page reads them on "/").
    variants: variantList(first),
    fps: round(hub.fps()),
    targetFps: first.entry.camera.fps,
    frames: { seq: latest?.seq ?? 0, lastAt: latest ? new Date(latest.capturedAt).toISOString() : null, bytes: latest?.jpeg.length ?? 0 },
    slots: { used: pool.inUse, queued: pool.waiting, max: pool.max, maxPerIp: config.stream.maxClientsPerIp, queueSize: config.stream.queueSize, total: inputs.total() },
    totals: { viewersServed: viewers.counters.connected, framesSent: totals.sent, framesDropped: totals.dropped, bytesSent: totals.bytes, rejected: pool.counters.rejectedFull + pool.counters.rejectedPerIp + pool.counters.rejectedTimeout },
    viewers: viewers.list().map((v) => ({
      id: v.id,
      address: v.address,
      since: iso(v.startedAt, now),
      fps: round(v.fps()),
      maxFps: v.maxFps,
      sent: v.sent,
      dropped: v.dropped,
      variant: v.variant ?? 'full',
      auto: v.auto,
      budgetFps: v.budgetFps > 0 ? round(v.budgetFps) : null,
    })),
    // stream.maxMbps: the budget, what all viewers of all cameras took (Mbit/s over
    // the last ~3 s) and each viewer's picture and rate.
    bandwidth: inputs.bandwidth
      ? { maxMbps: inputs.bandwidth.budgetMbps || null, usedMbps: inputs.bandwidth.usedMbps(), viewers: inputs.bandwidth.viewers() }
      : null,
    cameras: inputs.cameras.map((c, i) => cameraSummary(c, states[i], now)),
    config: {
      // Keys changed in the file that only `systemctl restart camstream` applies.
      pendingRestart: reload.pendingRestart,
      lastReload: reload.last,
    },
  };
}

export function statusHandler(inputs: StatusInputs) {
  return (ctx: Koa.Context): void => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = statusBody(inputs);
  };
}

/** One camera's health: the body /cam/NAME/healthz answers, and /healthz with one camera. */
function cameraHealth(c: StatusCamera, st: CameraState) {
  const source = c.supervisor.status;
  // camera.idle=stop releases the camera on purpose when nobody watches: that is
  // healthy (the next viewer starts it), and a monitor must not page anyone for it.
  if (st.state === 'idle') return { status: 'idle', reason: st.reason };
  if (st.state === 'live') return { status: 'ok', fps: round(c.hub.fps()) };
  return { status: 'unavailable', state: st.state, source: source.state, reason: st.reason ?? 'no recent frame from the camera' };
}

const healthy = (st: CameraState) => st.state === 'live' || st.state === 'idle';

export interface HealthInputs {
  now: () => number;
  cameras: readonly StatusCamera[];
}

/**
 * /healthz: 200 only when every camera is live or idle. The body names each camera's
 * state; with one camera it is the body it always was (plus `cameras`).
 */
export function health(ctx: Koa.Context, inputs: HealthInputs): void {
  const now = inputs.now();
  const states = inputs.cameras.map((c) => c.state(now));
  const cameras = inputs.cameras.map((c, i) => ({ name: c.name, state: states[i].state, since: iso(states[i].since, now), reason: states[i].reason }));
  ctx.set('Cache-Control', 'no-store');
  const ok = states.every(healthy);
  ctx.status = ok ? 200 : 503;
  if (inputs.cameras.length === 1) {
    ctx.body = { ...cameraHealth(inputs.cameras[0], states[0]), cameras };
    return;
  }
  const bad = cameras.filter((c, i) => !healthy(states[i]));
  ctx.body = {
    status: !ok ? 'unavailable' : states.some((s) => s.state === 'live') ? 'ok' : 'idle',
    ...(bad.length ? { reason: bad.map((c) => `${c.name}: ${c.state}${c.reason ? ` (${c.reason})` : ''}`).join('; ') } : {}),
    cameras,
  };
}

/** /cam/NAME/healthz: that camera alone. */
export function cameraHealthOf(ctx: Koa.Context, c: StatusCamera, now: number): void {
  const st = c.state(now);
  ctx.set('Cache-Control', 'no-store');
  ctx.status = healthy(st) ? 200 : 503;
  ctx.body = { camera: c.name, ...cameraHealth(c, st), since: iso(st.since, now) };
}
