// What the HTTP layer is given by main.ts. It owns none of these.
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import type { FrameHub } from '../hub/frame-hub';
import type { ClientPool } from '../stream/client-pool';
import type { Viewers } from '../stream/viewers';
import type { SourceStatus } from '../capture/status';
import type { CamstreamMetrics } from '../metrics/metrics';

export interface AppDeps {
  config: Readonly<Config>;
  log: Logger;
  hub: FrameHub;
  pool: ClientPool;
  viewers: Viewers;
  source: SourceStatus;
  /** Monotonic ms (clock.ts) at start-up, for uptimeSec. */
  startedAt: number;
  version: string;
  /** Prometheus metrics for GET /metrics; absent when metrics.enabled is false. */
  metrics?: CamstreamMetrics;
  /** Monotonic clock for uptime, lockouts and caches; default clock.ts. */
  now?: () => number;
  /** Config reloads (SIGHUP): the last outcome and the keys that wait for a restart; see src/reload/. */
  reload?: ReloadState;
}

export interface ReloadState {
  /** Changed keys a reload could not apply to the running process (server.port, …). */
  pendingRestart: string[];
  last: { at: string; ok: boolean; changed: string[]; errors: string[] } | null;
}
