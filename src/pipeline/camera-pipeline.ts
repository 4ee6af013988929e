// One camera, end to end: its source (under a supervisor), its frame hub, its viewers
// and its slot pool. main.ts makes one per configured camera; nothing in one pipeline
// reaches into another, so one camera failing (NO SIGNAL, restarts, a stall) never
// touches another camera's viewers. The only thing pipelines share is the stream
// budget (stream.maxClientsTotal), handed in.
//
// Built in one direction: hub → supervisor → viewers (told of the supervisor) → pool.
import type { Config } from '../config/schema';
import { EncodeTimes } from './encode-times';
import type { CameraEntry } from '../config/cameras';
import type { Logger } from '../log';
import { createSource } from '../capture/create-source';
import type { FrameInfo, FrameSink, FrameSource } from '../capture/source';
import { noSignalRenderer } from '../capture/no-signal';
import { Supervisor, type ReplaceOptions } from '../capture/supervisor';
import { FrameHub } from '../hub/frame-hub';
import { ClientPool, type PoolLimits, type StreamBudget } from '../stream/client-pool';
import { Viewers } from '../stream/viewers';
import { VariantEncoder } from '../stream/variants';
import { AutoVariants } from '../stream/auto-variant';
import { variantsOf } from '../config/variants';
import { monotonicNow } from '../clock';
import { cameraState, type CameraState } from './camera-state';

export interface CameraOverrides {
  camera: Partial<Config['camera']>;
  libcameraArgs: string[];
}

export interface PipelineOptions {
  entry: CameraEntry;
  /** The whole config, for the stream.* settings every camera shares. */
  config: Readonly<Config>;
  /** The root logger; the pipeline's lines carry `camera: NAME`. */
  log: Logger;
  /** Environment for camera programs (their PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** For camera.source=auto: where /dev/video* are looked for. */
  devDir?: string;
  /** Tests may hand in a source; default: made from the entry's camera section. */
  source?: FrameSource;
  /** The process's slot budget (stream.maxClientsTotal), shared by every camera's pool. */
  budget?: StreamBudget;
  now?: () => number;
}

export function poolLimits(entry: CameraEntry, config: Readonly<Config>): PoolLimits {
  const s = config.stream;
  return { maxClients: entry.limits.maxClients, maxClientsPerIp: s.maxClientsPerIp, queueSize: s.queueSize, queueTimeoutMs: s.queueTimeoutMs };
}

export class CameraPipeline {
  readonly name: string;
  readonly index: number;
  readonly log: Logger;
  readonly hub: FrameHub;
  readonly supervisor: Supervisor;
  readonly viewers: Viewers;
  readonly pool: ClientPool;
  /** The stream.variants encoder (same variants for every camera); undefined when none are configured. */
  readonly variants: VariantEncoder | undefined;
  /** Moves ?variant=auto viewers between full size and the variants. */
  readonly auto: AutoVariants;
  /** Told when this camera's viewer count changes (the bandwidth budget ticks only while someone watches). */
  private readonly countListeners = new Set<(count: number) => void>();
  /** Frames the source delivered (before stream.dropSameFrames). */
  captured = 0;
  /** How long the source took to encode its frames, since start (sources that encode; /metrics). */
  readonly encodeTimes = new EncodeTimes();
  private entryNow: CameraEntry;
  private configNow: Readonly<Config>;
  /** Settings changed from the page (src/settings/): camera.* keys over the config file's, and further rpicam-vid options. */
  private overrides: CameraOverrides = { camera: {}, libcameraArgs: [] };
  private readonly now: () => number;

  constructor(private readonly opts: PipelineOptions) {
    const { entry, config } = opts;
    this.name = entry.name;
    this.index = entry.index;
    this.entryNow = entry;
    this.configNow = config;
    this.now = opts.now ?? monotonicNow;
    this.log = opts.log.child({ camera: entry.name });
    this.hub = new FrameHub({ dropSameFrames: config.stream.dropSameFrames, log: this.log.child({ module: 'hub' }), now: opts.now });
    this.supervisor = new Supervisor({ ...this.cameraOptions(entry, config, opts.source), hub: this.hub, log: this.log.child({ module: 'supervisor' }), now: opts.now });
    const supervisor = this.supervisor;
    const specs = variantsOf(config);
    this.variants = specs.length > 0 ? new VariantEncoder(this.hub, specs, this.log.child({ module: 'variants' })) : undefined;
    this.viewers = new Viewers({
      variants: this.variants,
      hub: this.hub,
      log: this.log.child({ module: 'viewers' }),
      stallTimeoutMs: config.stream.stallTimeoutMs,
      now: opts.now,
      // camera.idle=stop: the supervisor stops the camera when nobody watches.
      onCountChange: (n) => {
        supervisor.viewersChanged(n);
        this.auto.viewersChanged(n);
        for (const fn of this.countListeners) fn(n);
      },
    });
    this.pool = new ClientPool(poolLimits(entry, config), opts.budget);
    this.auto = new AutoVariants(this.viewers, this.variants?.names ?? [], opts.now);
  }

  /** The camera's effective settings: the config file's (a reload replaces them) with the page's settings over them. */
  get entry(): CameraEntry {
    return { ...this.entryNow, camera: { ...this.entryNow.camera, ...this.overrides.camera } };
  }

  /** The camera's settings as the config file has them (what "reset" returns to). */
  get configEntry(): CameraEntry {
    return this.entryNow;
  }

  /**
   * Settings from the page. Before start() they are just taken; while running, the
   * camera restarts with them (viewers stay connected) and this resolves with the gap, ms.
   */
  async setOverrides(o: CameraOverrides, why: string): Promise<number | null> {
    this.overrides = { camera: { ...o.camera }, libcameraArgs: [...o.libcameraArgs] };
    // Before start the supervisor just takes the new source (replace() starts nothing then).
    return this.supervisor.replace(this.cameraOptions(this.entry, this.configNow), why);
  }

  /** Most frames per second a viewer of this camera gets (its stream.maxFps). */
  get maxFps(): number {
    return this.entryNow.limits.maxFps;
  }

  /** Live, starting, no-signal or idle, and since when: the one rule (camera-state.ts). */
  state(now = this.now()): CameraState {
    return cameraState({ source: this.supervisor.status, lastLiveFrameAt: this.hub.latestLiveFrame?.monoAt ?? null, fps: this.entryNow.camera.fps, now });
  }

  /** Call `fn` with the new count whenever a viewer joins or leaves; returns the unsubscribe. */
  onViewerCount(fn: (count: number) => void): () => void {
    this.countListeners.add(fn);
    return () => this.countListeners.delete(fn);
  }

  /** Viewers may join from now on; the camera starts (in the background). */
  start(): void {
    this.variants?.start();
    this.viewers.start();
    this.auto.start();
    void this.supervisor.start();
  }

  /** Refuse queued viewers (shutdown); held streams end with stop(). */
  closePool(): void {
    this.pool.close();
  }

  /** End every stream and release the camera. */
  async stop(): Promise<void> {
    this.pool.close();
    this.viewers.closeAll('server shutting down', true);
    this.viewers.stop();
    this.auto.stop();
    this.variants?.stop();
    await this.supervisor.stop();
  }

  /**
   * New settings from a config reload. Stream settings apply in place; a changed camera
   * section restarts this camera only (its viewers stay connected and see NO SIGNAL,
   * then the new picture). Resolves with the picture gap, ms, when restarted.
   */
  async reload(entry: CameraEntry, config: Readonly<Config>): Promise<{ restarted: boolean; gapMs: number | null }> {
    const before = this.entry;
    this.entryNow = entry;
    this.configNow = config;
    this.pool.setLimits(poolLimits(entry, config));
    this.viewers.setStallTimeout(config.stream.stallTimeoutMs);
    this.viewers.setMaxFps(entry.limits.maxFps);
    this.hub.setDropSameFrames(config.stream.dropSameFrames);
    const after = this.entry;
    const keys = Object.keys(after.camera).filter((k) => JSON.stringify(after.camera[k as keyof Config['camera']]) !== JSON.stringify(before.camera[k as keyof Config['camera']]));
    if (keys.length === 0) return { restarted: false, gapMs: null };
    const gapMs = await this.supervisor.replace(this.cameraOptions(after, config), `camera restarting for new settings (${keys.map((k) => `camera.${k}`).join(', ')})`);
    return { restarted: true, gapMs };
  }

  /** One NO SIGNAL renderer (one worker) per picture size, kept across camera restarts: a new one per reload ran a second worker beside the old one for 5 min. */
  private noSignal: { size: string; render: ReturnType<typeof noSignalRenderer> } | undefined;
  private noSignalFor(width: number, height: number): ReturnType<typeof noSignalRenderer> {
    const size = `${width}x${height}`;
    if (this.noSignal?.size !== size) this.noSignal = { size, render: noSignalRenderer(width, height) };
    return this.noSignal.render;
  }

  private cameraOptions(entry: CameraEntry, config: Readonly<Config>, given?: FrameSource): ReplaceOptions {
    const cam = entry.camera;
    const raw = given ?? createSource({ ...config, camera: cam }, this.log.child({ module: 'camera' }), { env: this.opts.env ?? process.env, devDir: this.opts.devDir, libcameraArgs: this.overrides.libcameraArgs });
    return {
      source: this.counted(raw),
      minBackoffMs: cam.restartDelayMs,
      maxBackoffMs: cam.restartDelayMaxMs,
      stallTimeoutMs: cam.stallTimeoutMs,
      noSignal: this.noSignalFor(cam.width, cam.height),
      idleTimeoutMs: cam.idle === 'stop' ? cam.idleTimeoutMs : undefined,
    };
  }

  /**
   * The source with each delivered frame counted and its encode time kept (once per
   * frame, never per viewer; /metrics reads both). The source itself knows nothing of
   * this; everything else on it (kind, describe(), whatever a kind adds) passes through.
   */
  private counted(source: FrameSource): FrameSource {
    const start = (sink: FrameSink): Promise<void> =>
      source.start({
        frame: (jpeg: Buffer, info?: FrameInfo) => {
          this.captured++;
          if (info?.encodeMs !== undefined) this.encodeTimes.observe(info.encodeMs / 1000);
          sink.frame(jpeg, info);
        },
        fail: (err: Error) => sink.fail(err),
        switched: () => sink.switched?.(),
      });
    return new Proxy(source, {
      get(target, prop) {
        if (prop === 'start') return start;
        const v = Reflect.get(target, prop, target) as unknown;
        // Methods run on the real source, so their `this` and state stay there.
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }
}
