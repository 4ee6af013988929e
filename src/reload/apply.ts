// Applies a reloaded config to the running parts, without closing viewers the new
// config still allows. What each key does is listed in plan.ts; this file only wires.
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import type { AppDeps } from '../http/deps';
import type { RunningServer } from '../http/server';
import { AccessList } from '../http/access-list';
import type { ClientPool } from '../stream/client-pool';
import type { FrameHub } from '../hub/frame-hub';
import type { Principal } from '../stream/viewer';
import type { Viewers } from '../stream/viewers';
import type { ReplaceOptions, Supervisor } from '../capture/supervisor';
import type { CamstreamMetrics } from '../metrics/metrics';
import { planReload } from './plan';

export interface LiveParts {
  deps: AppDeps;
  hub: FrameHub;
  pool: ClientPool;
  viewers: Viewers;
  server: RunningServer;
  supervisor: Supervisor;
  /** The root logger: its level is the one children inherit. */
  log: Logger;
  /** The camera for a config: source and NO SIGNAL renderer at its size. */
  camera(config: Readonly<Config>): ReplaceOptions;
  /** Metrics for a config: the one instance when enabled, else undefined. */
  metrics(config: Readonly<Config>): CamstreamMetrics | undefined;
}

export interface ReloadOutcome {
  changed: string[];
  pendingRestart: string[];
  /** Streams and connections ended because the new config no longer allows them. */
  closed: { network: number; auth: number };
  /** Camera restarted: how long the live picture was down, ms (null: not live again yet). */
  camera: { restarted: boolean; gapMs: number | null };
}

/** May a stream opened as `who` under `before` go on under `after`? */
export function stillAuthorized(before: Readonly<Config['auth']>, after: Readonly<Config['auth']>, who: Principal | undefined): boolean {
  if (after.users.length === 0 && after.tokens.length === 0) return true; // access control off
  if (!who) return false; // opened while access control was off
  // The same name with a changed password or secret counts as removed.
  const list: readonly { name: string }[] = who.kind === 'user' ? after.users : after.tokens;
  const old: readonly { name: string }[] = who.kind === 'user' ? before.users : before.tokens;
  const now = list.find((e) => e.name === who.name);
  const was = old.find((e) => e.name === who.name);
  return now !== undefined && was !== undefined && JSON.stringify(now) === JSON.stringify(was);
}

function freeze<T>(o: T): Readonly<T> {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) freeze(v);
    Object.freeze(o);
  }
  return o;
}

export async function applyReload(p: LiveParts, next: Readonly<Config>): Promise<ReloadOutcome> {
  const old = p.deps.config;
  const plan = planReload(old, next);
  const c = freeze(plan.effective);
  // Routes and the access, auth and header middlewares read deps.config per request.
  p.deps.config = c;
  if (c.log.level !== old.log.level) p.log.level = c.log.level;
  p.pool.setLimits(c.stream);
  p.viewers.setStallTimeout(c.stream.stallTimeoutMs);
  p.viewers.setMaxFps(c.stream.maxFps);
  p.hub.setDropSameFrames(c.stream.dropSameFrames);
  p.server.applyLimits(c.server);
  p.deps.metrics = p.metrics(c);

  const allow = new AccessList(c.server.allow);
  let network = p.viewers.closeWhere((v) => !allow.allows(v.address), 'address no longer in server.allow (config reload)');
  // Keep-alive connections (page, snapshots) from those addresses too.
  network += p.server.destroyWhere((a) => !allow.allows(a));
  const auth = p.viewers.closeWhere((v) => !stillAuthorized(old.auth, c.auth, v.principal), 'user or token no longer in auth (config reload)');

  let camera: ReloadOutcome['camera'] = { restarted: false, gapMs: null };
  if (plan.cameraRestart) {
    const keys = plan.changed.filter((k) => k.startsWith('camera.')).join(', ');
    camera = { restarted: true, gapMs: await p.supervisor.replace(p.camera(c), `camera restarting for new settings (${keys})`) };
  }
  return { changed: plan.changed, pendingRestart: plan.pendingRestart, closed: { network, auth }, camera };
}
