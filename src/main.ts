// The composition root: the only place that wires config, logger, camera, hub,
// pool and HTTP together. Every part gets what it needs as arguments.
import type { Loaded } from './config/load';
import type { Logger } from './log';
import { createSource } from './capture/create-source';
import type { FrameSource } from './capture/source';
import type { SourceStatus } from './capture/status';
import { Supervisor } from './capture/supervisor';
import { noSignalRenderer } from './capture/no-signal';
import { FrameHub } from './hub/frame-hub';
import { ClientPool } from './stream/client-pool';
import { Viewers } from './stream/viewers';
import { createApp } from './http/app';
import type { AppDeps } from './http/deps';
import { listen, type RunningServer } from './http/server';
import { VERSION } from './version';
import type { Notifier } from './platform/sd-notify';
import { startHeartbeat } from './platform/service-heartbeat';
import { checkFdLimit } from './platform/fd-limit';
import { CamstreamMetrics } from './metrics/metrics';
import { instrumentSource } from './metrics/instrument-source';
import { applyReload, type ReloadOutcome } from './reload/apply';
import type { Config } from './config/schema';
import { monotonicNow } from './clock';

export interface Camstream {
  readonly port: number;
  readonly deps: AppDeps;
  readonly server: RunningServer;
  readonly supervisor: Supervisor;
  /** Stop accepting, end streams, release the camera. Idempotent. */
  stop(): Promise<void>;
  /** Apply a re-read config to the running process (SIGHUP); see src/reload/. */
  reload(loaded: Loaded): Promise<ReloadOutcome>;
}

export interface StartOptions {
  log: Logger;
  /** Tests may hand in a source (e.g. one that fails on cue); default: from config. */
  source?: FrameSource;
  /** Environment for camera programs (rpicam-vid, ffmpeg, raspistill are found on its PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** For camera.source=auto: where /dev/video* devices are looked for; default /dev. */
  devDir?: string;
  /** systemd notifications (READY, STATUS, WATCHDOG, STOPPING); cli.ts passes one. */
  notifier?: Notifier;
}

export async function startCamstream(loaded: Loaded, opts: StartOptions): Promise<Camstream> {
  const { config } = loaded;
  const log = opts.log;
  for (const note of loaded.notes) log.info(note);
  log.info({ file: loaded.file, source: config.camera.source, maxClients: config.stream.maxClients }, 'configuration loaded');

  const hub = new FrameHub({ dropSameFrames: config.stream.dropSameFrames, log: log.child({ module: 'hub' }) });
  const pool = new ClientPool(config.stream);
  const viewers = new Viewers({
    hub,
    log: log.child({ module: 'viewers' }),
    stallTimeoutMs: config.stream.stallTimeoutMs,
    // camera.idle=stop: the supervisor stops the camera when nobody watches.
    onCountChange: (n) => supervisor.viewersChanged(n),
  });
  // Metrics read the counters above at scrape time; only the source is wrapped, to
  // count frames and time encodes (once per frame, never per viewer). One instance,
  // made when first enabled (at start or by a reload), served while enabled.
  let made: CamstreamMetrics | undefined;
  const metricsFor = (c: Readonly<Config>): CamstreamMetrics | undefined =>
    c.metrics.enabled
      ? (made ??= new CamstreamMetrics({ hub, pool, viewers, version: VERSION, source: (): SourceStatus => supervisor.status }, { processMetrics: true }))
      : undefined;
  const metrics = metricsFor(config);
  const cameraFor = (c: Readonly<Config>) => {
    const raw: FrameSource = opts.source ?? createSource(c, log.child({ module: 'camera' }), { env: opts.env ?? process.env, devDir: opts.devDir });
    const cam = c.camera;
    return {
      source: instrumentSource(raw, () => deps.metrics),
      minBackoffMs: cam.restartDelayMs,
      maxBackoffMs: cam.restartDelayMaxMs,
      stallTimeoutMs: cam.stallTimeoutMs,
      noSignal: noSignalRenderer(cam.width, cam.height),
      idleTimeoutMs: cam.idle === 'stop' ? cam.idleTimeoutMs : undefined,
    };
  };
  const supervisor: Supervisor = new Supervisor({ ...cameraFor(config), hub, log: log.child({ module: 'supervisor' }) });

  const deps: AppDeps = { config, log, hub, pool, viewers, source: supervisor.status, startedAt: monotonicNow(), version: VERSION, metrics, reload: { pendingRestart: [], last: null } };
  viewers.start();
  const server = await listen(createApp(deps), config.server, log.child({ module: 'server' }));
  // The camera starts after the port is open, so /healthz and /api/status can
  // explain a camera that is slow to come up.
  void supervisor.start();
  // READY=1 now that the port is open; STATUS= and WATCHDOG=1 from here on.
  checkFdLimit(config.server.maxConnections, log.child({ module: 'server' }));
  const heartbeat = opts.notifier
    ? startHeartbeat({
        notifier: opts.notifier,
        hub,
        pool,
        source: supervisor.status,
        // A getter: camera.fps may change with a reload.
        get fps() {
          return deps.config.camera.fps;
        },
        log: log.child({ module: 'systemd' }),
      })
    : null;

  let stopping: Promise<void> | null = null;
  return {
    port: server.port,
    deps,
    server,
    supervisor,
    stop() {
      stopping ??= (async () => {
        log.info('shutting down');
        heartbeat?.stopping();
        pool.close();
        const closed = server.close(deps.config.server.shutdownTimeoutMs);
        viewers.closeAll('server shutting down', true);
        viewers.stop();
        await Promise.allSettled([closed, supervisor.stop()]);
        heartbeat?.close();
        log.info('stopped');
      })();
      return stopping;
    },
    async reload(next) {
      const outcome = await applyReload({ deps, hub, pool, viewers, server, supervisor, log, camera: cameraFor, metrics: metricsFor }, next.config);
      deps.reload = {
        pendingRestart: outcome.pendingRestart,
        last: { at: new Date().toISOString(), ok: true, changed: outcome.changed, errors: [] },
      };
      return outcome;
    },
  };
}
