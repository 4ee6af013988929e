// Each TCP connection costs a file descriptor. If server.maxConnections is near the
// process's RLIMIT_NOFILE (systemd: LimitNOFILE=), accept() fails with EMFILE before the
// connection cap is reached, and the camera may fail to open. Say so at start-up.
import fs from 'node:fs';
import type { Logger } from '../log';

/** Descriptors Node, the camera, the journal stream and snapshot/status requests need besides connections. */
export const FD_HEADROOM = 128;

/** The soft "Max open files" limit from /proc/self/limits text, or null if absent/unlimited. */
export function softNofile(limitsText: string): number | null {
  const m = /^Max open files\s+(\S+)/m.exec(limitsText);
  if (!m || m[1] === 'unlimited') return null;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : null;
}

/** Logs a warning and returns the limit when maxConnections + headroom exceeds it. */
export function checkFdLimit(maxConnections: number, log: Logger, limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = fs.readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null; // not Linux, or /proc hidden: nothing to say
    }
  }
  const soft = softNofile(text);
  if (soft === null || maxConnections + FD_HEADROOM <= soft) return null;
  log.warn(
    { maxConnections, openFileLimit: soft, needed: maxConnections + FD_HEADROOM },
    `server.maxConnections (${maxConnections}) + ${FD_HEADROOM} exceeds the open-file limit (${soft}): connections will fail with EMFILE before the cap. Lower server.maxConnections, or raise LimitNOFILE= in a systemd drop-in (systemctl edit camstream).`,
  );
  return soft;
}
