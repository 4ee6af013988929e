// The composition root: the only place that wires config, logger, cameras and HTTP
// together, in one direction: config → camera pipelines (source, supervisor, hub,
// viewers, pool: pipeline/camera-pipeline.ts) → metrics → HTTP → systemd heartbeat.
// Every part gets what it needs as arguments; nothing refers to a part built later.
import type { Loaded } from './config/load';
import type { Logger } from './log';
import type { FrameSource } from './capture/source';
import type { Supervisor } from './capture/supervisor';
import { budgetLimitsOf, camerasOf } from './config/cameras';
import { StreamBudget } from './stream/client-pool';
import { CameraPipeline } from './pipeline/camera-pipeline';
import type { RunningServer } from './http/server';
import { VERSION } from './version';
import type { Notifier } from './platform/sd-notify';
import { startHeartbeat } from './platform/service-heartbeat';
import { checkFdLimit } from './platform/fd-limit';
import { LazyMetrics } from './metrics/lazy';
import { applyReload, type ReloadOutcome, type ReloadState } from './reload/apply';
import type { Config } from './config/schema';
import { monotonicNow } from './clock';
import { SettingsStore } from './settings/store';
import { CameraSettings } from './settings/camera-settings';
import { BandwidthBudget } from './stream/bandwidth';

export interface Camstream {
  readonly port: number;
  readonly server: RunningServer;
  /** Every camera, index 0 first. */
  readonly pipelines: readonly CameraPipeline[];
  /** stream.maxMbps: what viewers take, and the frame-rate caps that keep them within it. */
  readonly bandwidth: BandwidthBudget;
  /** Camera 0's supervisor (the one camera of a single-camera config). */
  readonly supervisor: Supervisor;
  /** The running config (a reload replaces it). */
  readonly config: Readonly<Config>;
  /** Config reloads (SIGHUP): the last outcome and the keys that wait for a restart. */
  reloadState: ReloadState;
  /** Stop accepting, end streams, release the cameras. Idempotent. */
  stop(): Promise<void>;
  /** Apply a re-read config to the running process (SIGHUP); see src/reload/. */
  reload(loaded: Loaded): Promise<ReloadOutcome>;
}

export interface StartOptions {
  log: Logger;
  /** Tests may hand in a source for camera 0 (e.g. one that fails on cue); default: from config. */
  source?: FrameSource;
  /** Environment for camera programs (rpicam-vid, ffmpeg, raspistill are found on its PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** For camera.source=auto: where /dev/video* devices are looked for; default /dev. */
  devDir?: string;
  /** systemd notifications (READY, STATUS, WATCHDOG, STOPPING); cli.ts passes one. */
  notifier?: Notifier;
}

export async function startCamstream(loaded: Loaded, opts: StartOptions): Promise<Camstream> {
  let config: Readonly<Config> = loaded.config;
  const log = opts.log;
  for (const note of loaded.notes) log.info(note);
  const entries = camerasOf(config);
  log.info(
    { file: loaded.file, cameras: entries.map((e) => `${e.name}: ${e.camera.source}`), source: entries[0].camera.source, maxClients: config.stream.maxClients },
    'configuration loaded',
  );

  // 1. The cameras: each pipeline owns its source, supervisor, hub, viewers and pool;
  // one budget bounds the streams of all of them together (stream.maxClientsTotal).
  const budget = new StreamBudget(budgetLimitsOf(config));
  const pipelines = entries.map(
    (entry) => new CameraPipeline({ entry, config, log, budget, env: opts.env, devDir: opts.devDir, source: entry.index === 0 ? opts.source : undefined }),
  );

  // Camera settings from the page, kept in the state file (src/settings/): stored
  // values that still fit each camera are taken before it starts. Never stops start-up.
  const store = new SettingsStore(config.settings.stateDir, log.child({ module: 'settings' }));
  const settings = pipelines.map((p) => new CameraSettings(p, store, opts.env ?? process.env, p.log.child({ module: 'settings' })));
  await Promise.all(settings.map((s) => s.restore()));
  // The bandwidth budget (stream.maxMbps) over every camera's viewers; reads the running config, so a reload changes it in place.
  const bandwidth = new BandwidthBudget(pipelines, () => config.stream.maxMbps);

  // 2. Metrics read the pipelines' counters at scrape time. One instance, made when
  // first enabled (at start or by a reload), served while enabled.
  // Its registry (and prom-client) is built at the first scrape: lazy.ts.
  const lazyMetrics = new LazyMetrics({ cameras: pipelines, version: VERSION, bandwidth });
  let metrics: LazyMetrics | undefined;
  const setMetrics = (c: Readonly<Config>): void => {
    metrics = c.metrics.enabled ? lazyMetrics : undefined;
  };
  setMetrics(config);

  // 3. HTTP: each route gets the part it reads.
  let reloadState: ReloadState = { pendingRestart: [], last: null };
  const startedAt = monotonicNow();
  const total = () => ({ used: budget.inUse, max: budget.max });
  // The cameras start first: a camera program takes its time to come up (rpicam-vid ~1 s
  // on a Pi), and the HTTP layer's modules load meanwhile — on a Pi Zero that is much of
  // start-up. /healthz and /api/status still explain a camera that is slow to come up.
  for (const p of pipelines) p.onViewerCount(() => bandwidth.viewersChanged());
  for (const p of pipelines) p.start();
  bandwidth.start();
  let server: RunningServer;
  try {
    const { createApp } = await import('./http/app');
    const { listen } = await import('./http/server');
    const app = createApp({
      log,
      config: () => config,
      cameras: pipelines,
      status: { version: VERSION, startedAt, total, reload: () => reloadState, bandwidth },
      metrics: () => metrics?.get(),
      settings,
    });
    server = await listen(app, config.server, log.child({ module: 'server' }));
  } catch (err) {
    // No port (taken, no permission): release the cameras, or their programs would outlive us.
    bandwidth.stop();
    await Promise.allSettled(pipelines.map((p) => p.stop()));
    throw err;
  }
  checkFdLimit(config.server.maxConnections, log.child({ module: 'server' }));

  // 4. systemd: READY=1 now that the port is open; STATUS= and WATCHDOG=1 from here on.
  const heartbeat = opts.notifier
    ? startHeartbeat({
        notifier: opts.notifier,
        cameras: () =>
          pipelines.map((p) => ({
            name: p.name,
            hub: p.hub,
            pool: p.pool,
            source: p.supervisor.status,
            // A reload may change camera.fps.
            fps: p.entry.camera.fps,
          })),
        log: log.child({ module: 'systemd' }),
      })
    : null;

  let stopping: Promise<void> | null = null;
  return {
    port: server.port,
    server,
    pipelines,
    bandwidth,
    supervisor: pipelines[0].supervisor,
    get config() {
      return config;
    },
    get reloadState() {
      return reloadState;
    },
    set reloadState(s: ReloadState) {
      reloadState = s;
    },
    stop() {
      stopping ??= (async () => {
        log.info('shutting down');
        heartbeat?.stopping();
        for (const p of pipelines) p.closePool();
        bandwidth.stop();
        const closed = server.close(config.server.shutdownTimeoutMs);
        await Promise.allSettled([closed, ...pipelines.map((p) => p.stop())]);
        heartbeat?.close();
        log.info('stopped');
      })();
      return stopping;
    },
    async reload(next) {
      const outcome = await applyReload(
        {
          config: () => config,
          setConfig: (c) => {
            config = c;
          },
          pipelines,
          budget,
          server,
          log,
          setMetrics,
        },
        next.config,
      );
      bandwidth.budgetChanged();
      reloadState = {
        pendingRestart: outcome.pendingRestart,
        last: { at: new Date().toISOString(), ok: true, changed: outcome.changed, errors: [] },
      };
      return outcome;
    },
  };
}
