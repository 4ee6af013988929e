// ONE answer to "is this camera live?", read by /healthz, /api/status, /metrics and
// the systemd STATUS= line, so they can never disagree. (Before, /api/status and
// /healthz used a 3 s window, the watchdog 15 s and the supervisor its stall timeout,
// and a stalled camera was "live" on one and down on another.)
//
//   live       the source runs and its newest frame is within liveWindowMs(fps)
//   starting   the source is opening (first start, restart, new settings)
//   no-signal  the source failed, is waiting to restart, or runs but sends nothing
//              (viewers see the NO SIGNAL picture)
//   idle       released on purpose: nobody watches (camera.idle=stop); healthy
//
// What the rule does not decide: when to restart a quiet source (the supervisor's
// camera.stallTimeoutMs, an action) and whether the capture loop is wedged (the
// watchdog's progress rule, platform/capture-health.ts). Both act on top of this state.
import type { SourceStatus } from '../capture/status';

export type CameraStateName = 'live' | 'starting' | 'no-signal' | 'idle';

export interface CameraState {
  state: CameraStateName;
  /** Monotonic ms (clock.ts) since when it is in this state; wallTimeOf() for display. */
  since: number;
  /** Why it is not live (null when live). */
  reason: string | null;
}

export interface CameraStateInput {
  source: Pick<SourceStatus, 'state' | 'since' | 'reason'>;
  /** Monotonic ms of the newest live frame, or null before the first. */
  lastLiveFrameAt: number | null;
  /** camera.fps from config. */
  fps: number;
  now: number;
}

/** A frame older than this means the camera is not delivering, ms: 3 s, or 3 frame intervals for a very slow camera. */
export function liveWindowMs(fps: number): number {
  return Math.max(3000, Math.ceil(3000 / fps));
}

export function cameraState(i: CameraStateInput): CameraState {
  const { source } = i;
  switch (source.state) {
    case 'idle':
      return { state: 'idle', since: source.since, reason: source.reason };
    case 'starting':
      return { state: 'starting', since: source.since, reason: source.reason };
    case 'offline':
      return { state: 'no-signal', since: source.since, reason: source.reason ?? 'camera failed' };
    case 'stopped':
      return { state: 'no-signal', since: source.since, reason: source.reason ?? 'camera stopped' };
    case 'live': {
      const window = liveWindowMs(i.fps);
      // Measured from the later of the newest frame and the switch to live.
      const last = Math.max(i.lastLiveFrameAt ?? source.since, source.since);
      if (i.now - last <= window) return { state: 'live', since: source.since, reason: null };
      return { state: 'no-signal', since: last + window, reason: `no frame from the camera for ${Math.round((i.now - last) / 1000)} s` };
    }
  }
}
