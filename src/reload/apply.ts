// Applies a reloaded config to the running parts, without closing viewers the new
// config still allows. What each key does is listed in plan.ts; this file only wires.
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import type { RunningServer } from '../http/server';
import { AccessList } from '../http/access-list';
import type { Principal } from '../stream/viewer';
import type { CameraPipeline } from '../pipeline/camera-pipeline';
import { budgetLimitsOf } from '../config/cameras';
import type { StreamBudget } from '../stream/client-pool';
import { planReload } from './plan';

export interface ReloadState {
  /** Changed keys a reload could not apply to the running process (server.port, cameras, …). */
  pendingRestart: string[];
  last: { at: string; ok: boolean; changed: string[]; errors: string[] } | null;
}

export interface LiveParts {
  /** The running config; `setConfig` replaces it for every reader (routes, middlewares). */
  config(): Readonly<Config>;
  setConfig(c: Readonly<Config>): void;
  pipelines: readonly CameraPipeline[];
  /** The slot budget all cameras share (stream.maxClientsTotal). */
  budget: StreamBudget;
  server: RunningServer;
  /** The root logger: its level is the one children inherit. */
  log: Logger;
  /** Metrics for a config: the one instance when enabled, else undefined. */
  setMetrics(config: Readonly<Config>): void;
}

export interface ReloadOutcome {
  changed: string[];
  pendingRestart: string[];
  /** Streams and connections ended because the new config no longer allows them. */
  closed: { network: number; auth: number };
  /**
   * Camera restarted: how long the live picture was down, ms (null: not live again yet).
   * With several cameras, the slowest restarted one; `cameras` has each.
   */
  camera: { restarted: boolean; gapMs: number | null; cameras?: Record<string, { gapMs: number | null }> };
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
  const old = p.config();
  const plan = planReload(old, next);
  const c = freeze(plan.effective);
  // Routes and the access, auth and header middlewares read the config per request.
  p.setConfig(c);
  if (c.log.level !== old.log.level) p.log.level = c.log.level;
  p.server.applyLimits(c.server);
  p.budget.setLimits(budgetLimitsOf(c));
  p.setMetrics(c);

  const allow = new AccessList(c.server.allow);
  let network = 0;
  let auth = 0;
  for (const pl of p.pipelines) {
    network += pl.viewers.closeWhere((v) => !allow.allows(v.address), 'address no longer in server.allow (config reload)');
    auth += pl.viewers.closeWhere((v) => !stillAuthorized(old.auth, c.auth, v.principal), 'user or token no longer in auth (config reload)');
  }
  // Keep-alive connections (page, snapshots) from those addresses too.
  network += p.server.destroyWhere((a) => !allow.allows(a));

  // Each camera takes its new settings; only a camera whose own settings changed
  // restarts, and the others' viewers see nothing of it. Restarts run side by side.
  const results = await Promise.all(
    p.pipelines.map(async (pl) => {
      const entry = plan.cameras.get(pl.name);
      return { name: pl.name, r: entry ? await pl.reload(entry, c) : { restarted: false, gapMs: null } };
    }),
  );
  const restarted = results.filter((x) => x.r.restarted);
  const camera: ReloadOutcome['camera'] = { restarted: restarted.length > 0, gapMs: null };
  if (restarted.length > 0) {
    const gaps = restarted.map((x) => x.r.gapMs);
    camera.gapMs = gaps.some((g) => g === null) ? null : Math.max(...(gaps as number[]));
    if (p.pipelines.length > 1) camera.cameras = Object.fromEntries(restarted.map((x) => [x.name, { gapMs: x.r.gapMs }]));
  }
  return { changed: plan.changed, pendingRestart: plan.pendingRestart, closed: { network, auth }, camera };
}
