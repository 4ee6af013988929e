// Is the capture side healthy enough to tell systemd's watchdog "all is well"?
// The rule is deliberately about *progress*, not about the camera being plugged in:
// restarting the whole process cannot fix an unplugged camera, but it can fix a capture
// loop that has wedged (a driver read that never returns, a stop() that never settles).
import type { SourceStatus } from '../capture/status';

export interface CaptureHealthInput {
  source: Pick<SourceStatus, 'state' | 'since'> & { nextRestartAt?: number | null };
  /** Monotonic ms (clock.ts) of the newest live camera frame, or null before the first. */
  lastLiveFrameAt: number | null;
  /** camera.fps from config. */
  fps: number;
  now: number;
}

export interface CaptureHealth {
  healthy: boolean;
  /** Why not, for the log and STATUS=; null when healthy. */
  reason: string | null;
}

/**
 * A live source may go this long without a frame before the loop counts as hung, ms:
 * ten frame intervals, but never under 15 s (slow USB cameras stutter on exposure changes).
 */
export function liveStallMs(fps: number): number {
  return Math.max(15000, Math.ceil(10000 / fps));
}

/**
 * A source may sit in "starting" or "offline" this long without any state change.
 * The supervisor retries with backoff capped at 30 s, so every retry moves the state
 * (offline → starting → offline); no movement for twice that means it is stuck.
 */
export const STUCK_STATE_MS = 75000;

/** How late a scheduled camera restart may be before the loop counts as stuck, ms. */
export const RESTART_OVERDUE_MS = 30000;

export function captureHealth(i: CaptureHealthInput): CaptureHealth {
  const inState = i.now - i.source.since;
  switch (i.source.state) {
    case 'idle':
    case 'stopped':
      // Deliberately not capturing (no viewers, or shutting down): nothing to watch.
      return { healthy: true, reason: null };
    case 'live': {
      // Frames are flowing if the newest one is recent. Measured from the later of the
      // last frame and the switch to live, so a just-restarted source gets its grace.
      const last = Math.max(i.lastLiveFrameAt ?? 0, i.source.since);
      const age = i.now - last;
      const limit = liveStallMs(i.fps);
      return age <= limit ? { healthy: true, reason: null } : { healthy: false, reason: `no camera frame for ${Math.round(age / 1000)} s (limit ${limit / 1000} s)` };
    }
    case 'offline':
      // A restart is scheduled: healthy until it is overdue (its timer never fired).
      if (i.source.nextRestartAt !== undefined && i.source.nextRestartAt !== null) {
        const overdue = i.now - i.source.nextRestartAt;
        return overdue <= RESTART_OVERDUE_MS
          ? { healthy: true, reason: null }
          : { healthy: false, reason: `camera restart overdue by ${Math.round(overdue / 1000)} s` };
      }
      return inState <= STUCK_STATE_MS
        ? { healthy: true, reason: null }
        : { healthy: false, reason: `camera offline for ${Math.round(inState / 1000)} s without a retry` };
    case 'starting':
      return inState <= STUCK_STATE_MS
        ? { healthy: true, reason: null }
        : { healthy: false, reason: `camera ${i.source.state} for ${Math.round(inState / 1000)} s without a retry` };
  }
}
