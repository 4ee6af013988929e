// sd_notify(3) from the main process: one datagram per message to $NOTIFY_SOCKET,
// "KEY=value" lines. A soft no-op when not started by systemd (no NOTIFY_SOCKET), so
// `camstream serve` behaves the same in a terminal, a test or a container.
//
// Why a native datagram socket: systemd accepts notifications only from the unit's
// main PID under NotifyAccess=main. Spawning `systemd-notify` sends from a child PID
// and races its own exit (systemd may no longer be able to map it to the unit).
import type { Logger } from '../log';

/** The slice of the `unix-dgram` package used here (it ships no types). */
interface DgramSocket {
  on(event: 'error', fn: (err: Error) => void): void;
  send(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void;
  close(): void;
}
interface UnixDgram {
  createSocket(type: 'unix_dgram'): DgramSocket;
}

export interface NotifierOptions {
  /** The environment systemd handed us (NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID). */
  env: NodeJS.ProcessEnv;
  log: Logger;
  pid?: number;
}

export interface Notifier {
  /** True when messages go somewhere (NOTIFY_SOCKET usable). */
  readonly enabled: boolean;
  /** Where they go, for logs; null when disabled. */
  readonly socketPath: string | null;
  /**
   * Half of WATCHDOG_USEC in ms when systemd expects WATCHDOG=1 pings from this
   * process, else null (no WatchdogSec=, or WATCHDOG_PID names another process).
   */
  readonly watchdogIntervalMs: number | null;
  /** Send raw fields; values must not contain newlines (they are replaced). */
  send(fields: Record<string, string | number>): void;
  ready(status?: string): void;
  status(text: string): void;
  watchdog(): void;
  stopping(status?: string): void;
  close(): void;
}

/** Parse WATCHDOG_USEC/WATCHDOG_PID as sd_watchdog_enabled(3) does; ping at half the timeout. */
export function watchdogInterval(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 1000 / 2));
}

/** One datagram payload: "KEY=value\n" per field. */
export function formatMessage(fields: Record<string, string | number>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${String(v).replace(/[\r\n]+/g, ' ')}\n`)
    .join('');
}

export function createNotifier(opts: NotifierOptions): Notifier {
  const pid = opts.pid ?? process.pid;
  const log = opts.log;
  const raw = opts.env.NOTIFY_SOCKET ?? '';
  const watchdogIntervalMs = raw ? watchdogInterval(opts.env, pid) : null;
  let socket: DgramSocket | null = null;
  let path: string | null = null;
  let warned = false;

  if (raw.startsWith('@')) {
    // sd_notify's convention: "@name" is the abstract socket "\0name". The unix-dgram
    // binding copies the address with strncpy and passes sizeof(sockaddr_un) as its
    // length, so it cannot express an abstract name: "\0name" would arrive as
    // "\0name\0\0…", a different socket. Say so once instead of pinging the wrong one.
    log.warn(
      { notifySocket: raw },
      'NOTIFY_SOCKET is an abstract socket, which this build cannot address; systemd notifications (READY, WATCHDOG) are off. Use a path socket (systemd does for system services).',
    );
  } else if (raw.startsWith('/')) {
    try {
      // Loaded only under systemd: a missing or broken binding must never stop
      // `camstream serve` from running anywhere else.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const dgram = require('unix-dgram') as UnixDgram;
      socket = dgram.createSocket('unix_dgram');
      socket.on('error', (err) => warnOnce(err));
      path = raw;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot create the sd_notify socket; systemd notifications are off');
      socket = null;
    }
  } else if (raw !== '') {
    log.warn({ notifySocket: raw }, 'NOTIFY_SOCKET is neither a path nor an abstract socket; systemd notifications are off');
  }

  function warnOnce(err: Error): void {
    if (warned) return;
    warned = true;
    log.warn({ err: err.message, notifySocket: path }, 'sd_notify send failed (further failures are not logged)');
  }

  const send = (fields: Record<string, string | number>): void => {
    if (!socket || !path) return;
    const buf = Buffer.from(formatMessage(fields));
    try {
      socket.send(buf, 0, buf.length, path, (err) => {
        if (err) warnOnce(err);
      });
    } catch (err) {
      warnOnce(err as Error);
    }
  };

  return {
    get enabled() {
      return socket !== null;
    },
    socketPath: path,
    watchdogIntervalMs: socket ? watchdogIntervalMs : null,
    send,
    ready: (status) => send(status ? { READY: 1, STATUS: status } : { READY: 1 }),
    status: (text) => send({ STATUS: text }),
    watchdog: () => send({ WATCHDOG: 1 }),
    stopping: (status) => send(status ? { STOPPING: 1, STATUS: status } : { STOPPING: 1 }),
    close() {
      const s = socket;
      socket = null;
      try {
        s?.close();
      } catch {
        // already closed
      }
    },
  };
}
