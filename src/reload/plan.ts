// What a reload changes: which keys differ between the running config and the file
// just read, and which of them can be applied to the running process.
//
//   needs a new process: server.host, server.port, server.tls.* (the listening
//     socket and its certificate), uvThreadpoolSize (libuv sizes its pool once) and
//     settings.stateDir (the state file is read once, at start).
//     They keep their running value and are reported as waiting for a restart.
//   camera.*, cameras.NAME.*: applied by restarting that camera only (its viewers
//     stay connected; other cameras are not touched). A change to the `camera`
//     defaults restarts every camera that inherits it.
//   adding, removing, renaming or reordering cameras: needs a new process (each camera
//     is a pipeline built at start, and URLs such as ?action=stream_N move); reported
//     as "cameras" waiting for a restart, the running cameras kept.
//   everything else: applied in place.
import type { Config } from '../config/schema';
import { camerasOf, type CameraEntry } from '../config/cameras';

export const RESTART_KEYS = ['server.host', 'server.port', 'server.tls.cert', 'server.tls.key', 'uvThreadpoolSize', 'settings.stateDir'] as const;

export interface ReloadPlan {
  /** Every leaf key whose value differs, e.g. "stream.maxFps". */
  changed: string[];
  /** Changed keys that only a restart of the process applies. */
  pendingRestart: string[];
  /** True when some camera's settings changed: those cameras restart. */
  cameraRestart: boolean;
  /** Names of the cameras whose effective settings changed (each restarts alone). */
  camerasToRestart: string[];
  /** Every camera under the effective config, by name. */
  cameras: Map<string, CameraEntry>;
  /** The config to run with: the new one, with the restart-only keys left as they run. */
  effective: Config;
}

function leafValues(o: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o)) leafValues(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    // Arrays (users, tokens, allow lists) compare as a whole.
    out.set(prefix, JSON.stringify(o));
  }
  return out;
}

/** Keys whose values differ between two configs, in schema order. */
export function changedKeys(a: Readonly<Config>, b: Readonly<Config>): string[] {
  const va = leafValues(a, '', new Map());
  const vb = leafValues(b, '', new Map());
  const keys = new Set([...va.keys(), ...vb.keys()]);
  return [...keys].filter((k) => va.get(k) !== vb.get(k));
}

function setPath(o: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = o;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  cur[parts[parts.length - 1]] = value;
}

function getPath(o: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((cur, p) => (cur as Record<string, unknown>)[p], o);
}

const sameEntry = (a: CameraEntry, b: CameraEntry) => JSON.stringify(a.camera) === JSON.stringify(b.camera);

export function planReload(running: Readonly<Config>, next: Readonly<Config>): ReloadPlan {
  const changed = changedKeys(running, next);
  const pendingRestart = changed.filter((k) => (RESTART_KEYS as readonly string[]).includes(k));
  // stream.variants: viewers watch them by name and the encoders are built at start, so
  // they apply at a restart. An object: its leaves change one by one, reported as one key.
  if (changed.some((k) => k === 'stream.variants' || k.startsWith('stream.variants.'))) pendingRestart.push('stream.variants');
  const effective = structuredClone(next) as Config;
  for (const k of pendingRestart) setPath(effective as unknown as Record<string, unknown>, k, structuredClone(getPath(running, k)));
  const before = camerasOf(running);
  let after = camerasOf(effective);
  if (before.map((c) => c.name).join('\n') !== after.map((c) => c.name).join('\n')) {
    // A different set of cameras: keep running the ones there are until a restart.
    pendingRestart.push('cameras');
    const e = effective as unknown as Record<string, unknown>;
    const r = running as unknown as Record<string, unknown>;
    if ('cameras' in r) e.cameras = structuredClone(r.cameras);
    else delete e.cameras;
    after = camerasOf(effective);
    // Names kept but their set changed back: per-camera settings still apply below.
  }
  const old = new Map(before.map((c) => [c.name, c]));
  const camerasToRestart = after.filter((c) => old.has(c.name) && !sameEntry(old.get(c.name)!, c)).map((c) => c.name);
  return {
    changed,
    pendingRestart,
    cameraRestart: camerasToRestart.length > 0,
    camerasToRestart,
    cameras: new Map(after.map((c) => [c.name, c])),
    effective,
  };
}
