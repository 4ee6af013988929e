// SIGHUP: re-read the config file and apply it (systemctl reload, or kill -HUP by
// hand). systemd's reload protocol is spoken by hand so it works with Type=notify on
// systemd 252 (Debian 12) as on 257: RELOADING=1 + MONOTONIC_USEC= when the reload
// starts, READY=1 when it is done, applied or refused. The outcome also goes to a
// status file, where `camstream reload` (the unit's ExecReload=) waits for it, so
// `systemctl reload` returns only once the change is applied and fails when the file
// is bad. A SIGHUP during a reload runs one more reload after it (never two at once).
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';
import type { Loaded } from '../config/load';
import type { Logger } from '../log';
import type { Notifier } from '../platform/sd-notify';
import type { Camstream } from '../main';

/** CLOCK_MONOTONIC in µs: what systemd compares MONOTONIC_USEC= with; the same clock in every process. */
export function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}

/** What a reload wrote for `camstream reload` to read. */
export interface ReloadStatus {
  /** CLOCK_MONOTONIC µs when this reload started reading the file (a decimal string). */
  startedUsec: string;
  finishedUsec: string;
  ok: boolean;
  /** One line per problem, each naming its key (the running config was kept). */
  errors: string[];
  changed: string[];
  pendingRestart: string[];
  camera: { restarted: boolean; gapMs: number | null } | null;
}

/** Where the outcome is written: $RUNTIME_DIRECTORY/reload.json under systemd (RuntimeDirectory=camstream). */
export function reloadStatusPath(env: NodeJS.ProcessEnv): string | null {
  const dir = env.RUNTIME_DIRECTORY?.split(':')[0];
  return dir ? path.join(dir, 'reload.json') : null;
}

export interface ReloaderOptions {
  load: () => Loaded;
  log: Logger;
  notifier: Notifier;
  statusPath: string | null;
}

export interface Reloader {
  /** A SIGHUP arrived. */
  request(): void;
  /** The server is up: from now on requests run (an early SIGHUP waits for this). */
  attach(app: Camstream): void;
  /** Resolves when no reload is running or queued (tests, shutdown). */
  idle(): Promise<void>;
}

export function createReloader(o: ReloaderOptions): Reloader {
  const log = o.log.child({ module: 'reload' });
  let app: Camstream | null = null;
  let running: Promise<void> | null = null;
  let again = false;

  const write = (s: ReloadStatus): void => {
    if (!o.statusPath) return;
    try {
      // Whole or not at all: the waiting command never reads half a file.
      const tmp = `${o.statusPath}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify(s)}\n`, { mode: 0o600 });
      fs.renameSync(tmp, o.statusPath);
    } catch (err) {
      log.error({ err: (err as Error).message, file: o.statusPath }, 'cannot write the reload status file; `camstream reload` will time out');
    }
  };

  const once = async (a: Camstream): Promise<void> => {
    const startedUsec = monotonicUsec();
    o.notifier.send({ RELOADING: 1, MONOTONIC_USEC: String(startedUsec), STATUS: 'reloading the configuration' });
    log.info('SIGHUP: reloading the configuration');
    let status: ReloadStatus;
    try {
      const loaded = o.load();
      const r = await a.reload(loaded);
      status = { startedUsec: String(startedUsec), finishedUsec: '', ok: true, errors: [], changed: r.changed, pendingRestart: r.pendingRestart, camera: r.camera };
      log.info({ file: loaded.file, changed: r.changed, closed: r.closed, camera: r.camera }, r.changed.length ? 'configuration reloaded' : 'configuration reloaded: nothing changed');
      if (r.pendingRestart.length) {
        log.warn({ pendingRestart: r.pendingRestart }, `not applied until camstream restarts (systemctl restart camstream): ${r.pendingRestart.join(', ')}`);
      }
    } catch (err) {
      const errors = err instanceof ConfigError ? err.problems : [(err as Error).message];
      // One line per problem, so the journal shows each key on its own.
      for (const e of errors) log.error({ code: (err as ConfigError).code ?? 'CAMSTREAM_ERR_CONFIG' }, `reload refused, running configuration kept: ${e}`);
      a.reloadState = { pendingRestart: a.reloadState.pendingRestart, last: { at: new Date().toISOString(), ok: false, changed: [], errors } };
      status = { startedUsec: String(startedUsec), finishedUsec: '', ok: false, errors, changed: [], pendingRestart: a.reloadState.pendingRestart, camera: null };
    }
    const line = status.ok
      ? `configuration reloaded${status.pendingRestart.length ? `; waiting for a restart: ${status.pendingRestart.join(', ')}` : ''}`
      : `reload failed, running configuration kept: ${status.errors.join('; ')}`;
    // READY=1 either way: the service runs on (with the old config when the file was bad).
    o.notifier.send({ READY: 1, STATUS: line.length > 200 ? `${line.slice(0, 199)}…` : line });
    status.finishedUsec = String(monotonicUsec());
    write(status);
  };

  const run = (): void => {
    if (!app || running) return;
    const a = app;
    running = (async () => {
      do {
        again = false;
        try {
          await once(a);
        } catch (err) {
          log.error({ err }, 'reload failed unexpectedly');
        }
      } while (again);
      running = null;
    })();
  };

  return {
    request() {
      again = true;
      run();
    },
    attach(a) {
      app = a;
      if (again) run();
    },
    async idle() {
      while (running) await running;
    },
  };
}
