// The flood scenario shared by test/http/abuse-flood.test.ts (short, with asserts)
// and bench/flood.ts (longer, prints numbers). camstream runs as a real child process
// (node dist/src/cli.js serve --config FILE) so its descriptors and memory are its
// own to count in /proc; the attacker is another child (flood-attack.ts) attacking
// from other loopback addresses, as another host on the LAN would; this process
// plays the honest side from 127.0.0.1: two stream viewers and a /snapshot poller.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AttackPlan, AttackReport } from './flood-attack';
import { watchStream } from './frame-counter';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const ATTACKER = path.join(__dirname, 'flood-attack.js');

export interface FloodOptions {
  attackMs: number;
  cameraFps?: number;
  idleSockets?: number;
  slowlorisSockets?: number;
  abortCycles?: number;
  /** Config overrides merged over the scenario's (server, stream, camera groups). */
  server?: Record<string, unknown>;
  stream?: Record<string, unknown>;
  /** Progress lines (bench prints them; the test ignores them). */
  progress?: (line: string) => void;
}

export interface FloodResult {
  config: Record<string, unknown>;
  windowMs: number;
  cameraFps: number;
  sourceFps: number;
  viewerFps: number[];
  viewerMaxGapMs: number[];
  viewersEnded: boolean[];
  snapshot: { requests: number; ok: number; failed: number; statuses: Record<string, number>; p50Ms: number; p99Ms: number; maxMs: number };
  rssKb: { start: number; peak: number; end: number; /** [seconds into the attack, kB] every 5 s */ timeline: [number, number][] };
  fds: { start: number; peak: number; end: number; returnedAfterMs: number };
  attack: AttackReport;
  serverAlive: boolean;
  healthAfter: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const fdCount = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).length;
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** A child under bash with a raised descriptor limit (as high as the hard limit allows). */
function spawnWithFds(cmd: string[], fds: number): ChildProcess {
  const quoted = cmd.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawn('bash', ['-c', `ulimit -n ${fds} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function get(url: string, timeoutMs: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
      });
      res.on('error', () => resolve({ status: -1, body: Buffer.alloc(0) }));
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: -2, body: Buffer.alloc(0) });
    }, timeoutMs);
    req.on('error', () => {
      clearTimeout(timer);
      resolve({ status: -1, body: Buffer.alloc(0) });
    });
  });
}

async function until<T>(fn: () => T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`flood scenario: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export async function runFlood(opts: FloodOptions): Promise<FloodResult> {
  const say = opts.progress ?? (() => {});
  const cameraFps = opts.cameraFps ?? 10;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-flood-'));
  const config = {
    server: {
      host: '127.0.0.1',
      port: 0,
      maxConnections: 256,
      maxConnectionsPerIp: 40,
      headersTimeoutMs: 2000,
      requestTimeoutMs: 4000,
      keepAliveTimeoutMs: 1000,
      ...opts.server,
    },
    camera: { source: 'testpattern', width: 320, height: 240, fps: cameraFps, quality: 60 },
    stream: { maxClients: 8, maxClientsPerIp: 3, queueSize: 4, queueTimeoutMs: 1000, stallTimeoutMs: 5000, ...opts.stream },
    log: { level: 'info' },
  };
  const cfgFile = path.join(dir, 'camstream.json');
  fs.writeFileSync(cfgFile, JSON.stringify(config, null, 2));

  const server = spawnWithFds(['node', CLI, 'serve', '--config', cfgFile], 8192);
  const children: ChildProcess[] = [server];
  let serverExited = false;
  server.once('exit', () => (serverExited = true));
  let stderr = '';
  server.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  try {
    // The port comes from the 'listening' log line (port 0 = any free one).
    const port = await new Promise<number>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`camstream did not start: ${stderr}${buf.slice(-2000)}`)), 15000);
      server.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(buf);
        if (m) {
          clearTimeout(timer);
          buf = '';
          resolve(Number(m[1]));
        }
        if (buf.length > 100000) buf = buf.slice(-10000);
      });
      server.once('exit', (code) => reject(new Error(`camstream exited with ${code}: ${stderr}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const pid = server.pid!;
    await until(async () => (await get(`${base}/healthz`, 2000)).status === 200, 15000, 'the first frame');

    // Warm up every path once (lazy allocations, libuv threads) before counting.
    await get(`${base}/snapshot`, 2000);
    await get(`${base}/api/status`, 2000);
    const warm = watchStream(`${base}/stream`);
    await until(() => warm.frames >= 2, 5000, 'warm-up frames');
    warm.close();
    await sleep(1000);
    const fdStart = fdCount(pid);
    const rssStart = rssKb(pid);
    say(`camstream pid ${pid} on port ${port}: ${fdStart} fds, RSS ${(rssStart / 1024).toFixed(1)} MiB`);

    // The honest side.
    const viewers = [watchStream(`${base}/stream`), watchStream(`${base}/stream`)];
    await until(() => viewers.every((v) => v.frames >= 2), 5000, 'honest viewers to start');
    let fdPeak = fdStart;
    let rssPeak = rssStart;
    const timeline: [number, number][] = [];
    let lastMark = -Infinity;
    const sampler = setInterval(() => {
      try {
        fdPeak = Math.max(fdPeak, fdCount(pid));
        const rss = rssKb(pid);
        rssPeak = Math.max(rssPeak, rss);
        const sec = (performance.now() - w0) / 1000;
        if (sec - lastMark >= 5) {
          lastMark = sec;
          timeline.push([Math.round(sec), rss]);
        }
      } catch {
        /* exited: reported below */
      }
    }, 100);
    let w0 = performance.now();
    const snap = { requests: 0, ok: 0, failed: 0, statuses: {} as Record<string, number>, latencies: [] as number[] };
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const t = performance.now();
        const r = await get(`${base}/snapshot`, 5000);
        const ms = performance.now() - t;
        snap.requests++;
        snap.statuses[r.status] = (snap.statuses[r.status] ?? 0) + 1;
        if (r.status === 200 && r.body[0] === 0xff && r.body[1] === 0xd8) {
          snap.ok++;
          snap.latencies.push(ms);
        } else snap.failed++;
        await sleep(100);
      }
    })();

    const seqOf = async () => JSON.parse((await get(`${base}/api/status`, 5000)).body.toString()).frames.seq as number;
    const seq0 = await seqOf();
    const frames0 = viewers.map((v) => v.frames);
    w0 = performance.now();

    const plan: AttackPlan = {
      port,
      host: '127.0.0.1',
      durationMs: opts.attackMs,
      idle: { addresses: ['127.0.0.2', '127.0.0.3'], sockets: opts.idleSockets ?? 2000, reconnectDelayMs: 1000, maxAttempts: 1000 },
      slowloris: { addresses: ['127.0.0.4', '127.0.0.5'], sockets: opts.slowlorisSockets ?? 500, dribbleMs: 500, reconnectDelayMs: 1000, maxAttempts: 1000 },
      abortCycles: { addresses: ['127.0.0.6'], cycles: opts.abortCycles ?? 1000, concurrency: 10, path: '/stream' },
    };
    say(`attack: ${plan.idle.sockets} idle connections, ${plan.slowloris.sockets} slowloris, ${plan.abortCycles.cycles} connect/abort cycles on /stream, from 127.0.0.2-6, for ${opts.attackMs} ms`);
    const attacker = spawnWithFds(['node', ATTACKER, JSON.stringify(plan)], 16384);
    children.push(attacker);
    let out = '';
    let errOut = '';
    attacker.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    attacker.stderr!.on('data', (c: Buffer) => (errOut += c.toString()));
    const code = await new Promise<number | null>((resolve) => attacker.once('exit', resolve));
    if (code !== 0) throw new Error(`attacker exited with ${code}: ${errOut.slice(-2000)}`);
    const attack = JSON.parse(out.trim().split('\n').pop()!) as AttackReport;

    const windowMs = performance.now() - w0;
    const seq1 = await seqOf();
    const frames1 = viewers.map((v) => v.frames);
    polling = false;
    await poller;
    const sourceFps = ((seq1 - seq0) * 1000) / windowMs;
    const viewerFps = viewers.map((_, i) => ((frames1[i] - frames0[i]) * 1000) / windowMs);
    const viewerMaxGapMs = viewers.map((v) => {
      const a = v.arrivals.filter((x) => x >= w0 && x <= w0 + windowMs);
      let gap = 0;
      for (let i = 1; i < a.length; i++) gap = Math.max(gap, a[i] - a[i - 1]);
      return Math.round(gap);
    });
    const viewersEnded = viewers.map((v) => v.ended);
    for (const v of viewers) v.close();

    // Afterwards: every socket the attack opened is gone, so the descriptors are back.
    const t = performance.now();
    let fdEnd = fdCount(pid);
    try {
      fdEnd = await until(() => {
        const n = fdCount(pid);
        return n <= fdStart ? n : 0;
      }, 15000, 'descriptors to return');
    } catch {
      fdEnd = fdCount(pid);
    }
    const returnedAfterMs = Math.round(performance.now() - t);
    clearInterval(sampler);
    const healthAfter = (await get(`${base}/healthz`, 5000)).status;
    const lat = snap.latencies;
    return {
      config,
      windowMs: Math.round(windowMs),
      cameraFps,
      sourceFps,
      viewerFps,
      viewerMaxGapMs,
      viewersEnded,
      snapshot: {
        requests: snap.requests,
        ok: snap.ok,
        failed: snap.failed,
        statuses: snap.statuses,
        p50Ms: pct(lat, 50),
        p99Ms: pct(lat, 99),
        maxMs: pct(lat, 100),
      },
      rssKb: { start: rssStart, peak: rssPeak, end: rssKb(pid), timeline },
      fds: { start: fdStart, peak: fdPeak, end: fdEnd, returnedAfterMs },
      attack,
      serverAlive: !serverExited,
      healthAfter,
    };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    if (server.exitCode === null && server.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.kill('SIGKILL');
          resolve();
        }, 8000);
        server.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
