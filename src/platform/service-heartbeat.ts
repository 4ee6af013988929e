// Tells systemd how camstream is doing: READY=1 once the port is open, a one-line
// STATUS= every few seconds (what `systemctl status camstream` shows), WATCHDOG=1 only
// while the process is healthy, STOPPING=1 at shutdown.
//
// The watchdog ping is sent from a timer on the event loop, so a blocked or frozen
// loop sends none and systemd kills the process after WatchdogSec=. On top of that a
// ping is withheld while the capture loop is hung (see capture-health.ts).
import type { Logger } from '../log';
import type { SourceStatus } from '../capture/status';
import type { FrameHub } from '../hub/frame-hub';
import type { ClientPool } from '../stream/client-pool';
import type { Notifier } from './sd-notify';
import { captureHealth } from './capture-health';
import { monotonicNow } from '../clock';
import { cameraState, type CameraStateName } from '../pipeline/camera-state';

/** One camera as the heartbeat reads it. */
export interface HeartbeatCamera {
  name: string;
  hub: FrameHub;
  pool: Pick<ClientPool, 'inUse' | 'max' | 'waiting'>;
  source: SourceStatus;
  /** camera.fps from config (a getter: a reload may change it). */
  readonly fps: number;
}

export interface HeartbeatOptions {
  notifier: Notifier;
  /** Every camera, read at each beat. Or, for one camera, hub/pool/source/fps below. */
  cameras?: () => HeartbeatCamera[];
  hub?: FrameHub;
  pool?: ClientPool;
  source?: SourceStatus;
  /** camera.fps from config. */
  fps?: number;
  log: Logger;
  /** How often STATUS= is refreshed, ms. */
  statusEveryMs?: number;
  now?: () => number;
}

export interface Heartbeat {
  /** The line last sent as STATUS=. */
  readonly lastStatus: string;
  /** Pings sent and withheld, for tests and /metrics. */
  readonly counters: { pings: number; withheld: number };
  /** STOPPING=1; stops the timers. Idempotent. */
  stopping(): void;
  close(): void;
}

const clip = (line: string) => (line.length > 200 ? `${line.slice(0, 199)}…` : line);

function cameraPart(source: SourceStatus, fps: number, pool: Pick<ClientPool, 'inUse' | 'max' | 'waiting'>, state: string, reason: string | null): string {
  let line = `${source.kind} ${state} ${fps.toFixed(1)} fps, ${pool.inUse}/${pool.max} viewers`;
  if (pool.waiting > 0) line += `, ${pool.waiting} waiting`;
  if (state !== 'live' && reason) line += ` (${reason})`;
  return line;
}

/**
 * "testpattern live 15.0 fps, 2/20 viewers" (+ queue, + why not live). The state word
 * is the camera state (pipeline/camera-state.ts) when given, as the heartbeat does;
 * scripts/lib/appliance.js (the install health gate) reads it.
 */
export function statusLine(source: SourceStatus, fps: number, pool: Pick<ClientPool, 'inUse' | 'max' | 'waiting'>, state?: { state: CameraStateName; reason: string | null }): string {
  return clip(cameraPart(source, fps, pool, state?.state ?? source.state, state ? state.reason : source.reason));
}

export interface CameraLine {
  name: string;
  source: SourceStatus;
  fps: number;
  pool: Pick<ClientPool, 'inUse' | 'max' | 'waiting'>;
  state: { state: CameraStateName; reason: string | null };
}

/**
 * Several cameras: a summary of names and states first (so the 200-character cut never
 * hides a state, and the health gate reads only that part), then each camera's line:
 * "2 cameras: front live, nozzle no-signal | front libcamera live 15.0 fps, 1/10 viewers; nozzle v4l2 no-signal …".
 */
export function camerasStatusLine(cams: CameraLine[]): string {
  const summary = `${cams.length} cameras: ${cams.map((c) => `${c.name} ${c.state.state}`).join(', ')}`;
  const detail = cams.map((c) => `${c.name} ${cameraPart(c.source, c.fps, c.pool, c.state.state, c.state.reason)}`).join('; ');
  return clip(`${summary} | ${detail}`);
}

export function startHeartbeat(opts: HeartbeatOptions): Heartbeat {
  const { notifier, log } = opts;
  const now = opts.now ?? monotonicNow;
  const counters = { pings: 0, withheld: 0 };
  let lastStatus = '';
  let unhealthySince: number | null = null;
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];

  const single = (): HeartbeatCamera[] => [
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
    { name: 'default', hub: opts.hub!, pool: opts.pool!, source: opts.source!, get fps() { return opts.fps ?? 0; } },
  ];
  const cameras = opts.cameras ?? single;
  const sendStatus = (): void => {
    const t = now();
    const lines = cameras().map((c) => ({
      name: c.name,
      source: c.source,
      fps: c.hub.fps(),
      pool: c.pool,
      state: cameraState({ source: c.source, lastLiveFrameAt: c.hub.latestLiveFrame?.monoAt ?? null, fps: c.fps, now: t }),
    }));
    // One camera: the line as it always was (tools parse it).
    lastStatus = lines.length === 1 ? statusLine(lines[0].source, lines[0].fps, lines[0].pool, lines[0].state) : camerasStatusLine(lines);
    notifier.status(lastStatus);
  };

  sendStatus();
  notifier.ready(lastStatus);
  if (notifier.enabled) log.info({ notifySocket: notifier.socketPath, watchdogMs: notifier.watchdogIntervalMs && notifier.watchdogIntervalMs * 2 }, 'systemd notified: ready');

  const statusTimer = setInterval(sendStatus, opts.statusEveryMs ?? 5000);
  statusTimer.unref();
  timers.push(statusTimer);

  const every = notifier.watchdogIntervalMs;
  if (every !== null) {
    let expected = now() + every;
    const tick = (): void => {
      const t = now();
      const lag = t - expected;
      expected = t + every;
      // The loop recovered if we are here; still worth a line when it was blocked long.
      if (lag > every) log.warn({ blockedMs: lag }, 'event loop was blocked');
      // Any camera's capture loop hung is reason enough: a restart of the process is the fix.
      const cams = cameras();
      let h: { healthy: boolean; reason: string | null } = { healthy: true, reason: null };
      for (const c of cams) {
        const last = c.hub.latestLiveFrame;
        const ch = captureHealth({ source: c.source, lastLiveFrameAt: last ? last.monoAt : null, fps: c.fps, now: t });
        if (!ch.healthy) {
          h = { healthy: false, reason: cams.length > 1 ? `camera ${c.name}: ${ch.reason}` : ch.reason };
          break;
        }
      }
      if (h.healthy) {
        if (unhealthySince !== null) log.info('capture healthy again; watchdog pings resumed');
        unhealthySince = null;
        counters.pings++;
        notifier.watchdog();
      } else {
        counters.withheld++;
        if (unhealthySince === null) {
          unhealthySince = t;
          // Once per episode, not per tick: systemd will restart us shortly.
          log.error({ reason: h.reason }, 'capture loop hung: withholding watchdog pings so systemd restarts camstream');
          notifier.status(`watchdog withheld: ${h.reason}`);
        }
      }
    };
    tick();
    const wdTimer = setInterval(tick, every);
    wdTimer.unref();
    timers.push(wdTimer);
  }

  const clear = (): void => {
    for (const t of timers) clearInterval(t);
    timers.length = 0;
  };

  return {
    get lastStatus() {
      return lastStatus;
    },
    counters,
    stopping() {
      if (stopped) return;
      stopped = true;
      clear();
      notifier.stopping('shutting down');
    },
    close() {
      clear();
      notifier.close();
    },
  };
}
