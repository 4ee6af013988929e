// What the rest of camstream may know about the camera: read by /api/status,
// /healthz, sd_notify STATUS= and /metrics; written only by the supervisor.

export type SourceState = 'starting' | 'live' | 'offline' | 'idle' | 'stopped';

export interface SourceStatus {
  kind: string;
  description: string;
  state: SourceState;
  /** Why the source is not live (last error, "no frame for 5000 ms", …), or null. */
  reason: string | null;
  /** Monotonic ms (clock.ts) of the last state change; wallTimeOf() for display. */
  since: number;
  restarts: number;
  /** Failures in a row (drives the backoff); 0 once the camera has stayed up. */
  failures: number;
  /** Monotonic ms (clock.ts) of the next restart attempt while offline, else null. */
  nextRestartAt: number | null;
  /** For source=auto: what was picked and why. */
  selected?: string;
}
