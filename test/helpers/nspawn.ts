// Boot a real systemd as PID 1 in a throw-away container (systemd-nspawn -x) and run
// commands inside it with nsenter. The recipe and its measurements are in the README's
// "Testing the appliance" section; the build machines' PID 1 is not systemd, so this is
// the only way to exercise the unit, the watchdog and the install scripts for real.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for messages. */
  output: string;
  ms: number;
}

export interface BootOptions {
  rootfs: string;
  name: string;
  /** host path → container path, read-only. */
  bindRo?: Record<string, string>;
  /** host path → container path, writable (caches). */
  bind?: Record<string, string>;
  /** Environment for every command run inside. */
  env?: Record<string, string>;
  logFile: string;
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why the container test cannot run here, or null when it can. */
export function nspawnUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (systemd-nspawn boots a container)';
  const v = spawnSync('systemd-nspawn', ['--version'], { encoding: 'utf8', timeout: 10000 });
  if (v.error || v.status !== 0) return `systemd-nspawn cannot run here (${v.error?.message ?? v.stderr.trim()}): apt-get install systemd-container`;
  return null;
}

export class Container {
  private constructor(
    private readonly child: ChildProcess,
    readonly leader: number,
    private readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  static async boot(o: BootOptions): Promise<Container> {
    const args = ['-D', o.rootfs, '-M', o.name, '-x', '--register=no', '--keep-unit', '--console=passive'];
    for (const [h, c] of Object.entries(o.bindRo ?? {})) args.push(`--bind-ro=${h}:${c}`);
    for (const [h, c] of Object.entries(o.bind ?? {})) args.push(`--bind=${h}:${c}`);
    args.push('-b');
    const log = fs.openSync(o.logFile, 'w');
    const child = spawn('systemd-nspawn', args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let gone = false;
    void exited.then(() => (gone = true));
    const deadline = Date.now() + (o.timeoutMs ?? 120000);
    // nspawn forks the container's PID 1 (systemd) as its child.
    let leader = 0;
    while (!leader) {
      if (gone) throw new Error(`systemd-nspawn exited before the container booted; see ${o.logFile}:\n${tail(o.logFile)}`);
      if (Date.now() > deadline) throw new Error(`container PID 1 did not appear; see ${o.logFile}`);
      const r = spawnSync('pgrep', ['-P', String(child.pid), '-x', 'systemd'], { encoding: 'utf8' });
      leader = Number(r.stdout.trim().split('\n')[0]) || 0;
      if (!leader) await sleep(100);
    }
    const c = new Container(child, leader, o.env ?? {}, o.logFile);
    for (;;) {
      const r = await c.run('systemctl is-system-running', { timeoutMs: 10000 });
      const state = r.stdout.trim();
      if (state === 'running' || state === 'degraded') break;
      if (gone) throw new Error(`container stopped while booting; see ${o.logFile}`);
      if (Date.now() > deadline) throw new Error(`container did not finish booting (state ${JSON.stringify(state)}); see ${o.logFile}`);
      await sleep(200);
    }
    return c;
  }

  /** Run a bash command inside the container (all its namespaces), bounded in time. */
  run(command: string, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<RunResult> {
    const env = { ...this.env, ...(opts.env ?? {}) };
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const started = Date.now();
    const timeoutMs = opts.timeoutMs ?? 60000;
    return new Promise((resolve) => {
      const p = spawn('nsenter', ['-t', String(this.leader), '-a', '/usr/bin/env', '-i', ...envArgs, '/bin/bash', '-c', command], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stdout = '';
      let stderr = '';
      p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => {
        stderr += `\n[killed: ${command.slice(0, 80)} ran over ${timeoutMs} ms]`;
        try {
          process.kill(-p.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, timeoutMs);
      p.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr, output: `${stdout}${stderr}`, ms: Date.now() - started });
      });
    });
  }

  /** Run and require exit 0; returns stdout. */
  async ok(command: string, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<string> {
    const r = await this.run(command, opts);
    if (r.code !== 0) throw new Error(`in container: \`${command}\` exited ${r.code ?? r.signal}:\n${r.output.slice(-4000)}`);
    return r.stdout;
  }

  /** `systemctl show -P KEY unit`. */
  async prop(unit: string, key: string): Promise<string> {
    return (await this.ok(`systemctl show -P ${key} ${unit}`, { timeoutMs: 15000 })).trim();
  }

  /** Poll until `fn` returns a truthy value; throws naming `what` after timeoutMs. */
  async until<T>(what: string, timeoutMs: number, fn: () => Promise<T>, everyMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await fn();
        if (v) return v;
        last = v;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
      await sleep(everyMs);
    }
  }

  /**
   * Power off and wait for nspawn to exit. After the container stops, nspawn deletes
   * its -x snapshot (gigabytes once camstream is installed: a minute or more on a busy
   * disk), so it gets plenty of time; killing it mid-way would leave the copy behind.
   * Whatever is left of this run's snapshot is removed here.
   */
  async poweroff(timeoutMs = 300000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      await this.run('systemctl poweroff --no-block', { timeoutMs: 10000 });
      // SIGTERM first: nspawn then shuts the container down and still cleans up.
      const term = setTimeout(() => this.child.kill('SIGTERM'), Math.min(60000, timeoutMs / 2));
      const kill = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    }
    const snapshot = snapshotPath(this.logFile);
    if (snapshot && fs.existsSync(snapshot)) {
      fs.rmSync(snapshot, { recursive: true, force: true });
      fs.rmSync(path.join(path.dirname(snapshot), `.#${path.basename(snapshot)}.lck`), { force: true });
    }
  }
}

/** The -x snapshot directory nspawn names in its log ("Spawning container X on PATH."). */
export function snapshotPath(logFile: string): string | null {
  try {
    const m = /^Spawning container \S+ on (\/.+\/\.#machine\.[^/\s]+)\.$/m.exec(fs.readFileSync(logFile, 'utf8'));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

function tail(file: string, n = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return '';
  }
}

/** Ensure the cached rootfs exists (built atomically by scripts/container/rootfs.sh). */
export function ensureRootfs(repo: string, suite: string, timeoutMs: number): string {
  const r = spawnSync('bash', [path.join(repo, 'scripts/container/rootfs.sh'), suite], { encoding: 'utf8', timeout: timeoutMs });
  if (r.error || r.status !== 0) throw new Error(`rootfs build failed: ${r.error?.message ?? ''}\n${r.stderr}`);
  return r.stdout.trim().split('\n').pop()!;
}

/** A TCP port free on this machine right now (the containers share its network). */
export function freePort(host = '0.0.0.0'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
