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

export interface HeartbeatOptions {
  notifier: Notifier;
  hub: FrameHub;
  pool: ClientPool;
  source: SourceStatus;
  /** camera.fps from config. */
  fps: number;
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

/** "testpattern live 15.0 fps, 2/20 viewers" (+ queue, + why not live). */
export function statusLine(source: SourceStatus, fps: number, pool: ClientPool): string {
  let line = `${source.kind} ${source.state} ${fps.toFixed(1)} fps, ${pool.inUse}/${pool.max} viewers`;
  if (pool.waiting > 0) line += `, ${pool.waiting} waiting`;
  if (source.state !== 'live' && source.reason) line += ` (${source.reason})`;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

export function startHeartbeat(opts: HeartbeatOptions): Heartbeat {
  const { notifier, log } = opts;
  const now = opts.now ?? monotonicNow;
  const counters = { pings: 0, withheld: 0 };
  let lastStatus = '';
  let unhealthySince: number | null = null;
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];

  const sendStatus = (): void => {
    lastStatus = statusLine(opts.source, opts.hub.fps(), opts.pool);
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
      const last = opts.hub.latestLiveFrame;
      const h = captureHealth({ source: opts.source, lastLiveFrameAt: last ? last.monoAt : null, fps: opts.fps, now: t });
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
