// Soak bench: months of a Pi's life compressed into an hour, looking for slow leaks
// and for writes to the SD card. Not part of the test run.
//   npm run build && node dist/bench/soak.js [minutes=60]
//   (env SOAK_WARMUP_MINUTES, default min(10, minutes/3); SOAK_SEED, default 1)
//
// camstream runs as its own process (`serve`, config source libcamera) with the
// stand-in rpicam-vid (test/fixtures/standin/pi: real MJPEG from ffmpeg) on its PATH.
// Meanwhile, from loopback only:
//   camera   every 30-60 s the camera process is killed (3 in 4) or frozen with
//            SIGSTOP (1 in 4: a stalled camera, which camstream must detect and kill)
//   viewers  one long-lived viewer for the whole run; up to 10 more coming and going
//            (plain, slow readers that stop reading for up to 15 s, and clients that
//            hang up mid-frame, half with a TCP reset) — bench/soak-load.ts
//   polls    /snapshot every 500 ms, /api/status every 2 s, /metrics every 10 s
//   flood    every 10 min (or minutes/3 if shorter) a 20 s burst: idle connections,
//            slowloris and connect/abort cycles from other loopback addresses
//            (test/helpers/flood-attack.ts as its own process)
//   reloads  every 5 min a config reload (SIGHUP, as `systemctl reload`): stream.maxFps
//            changed in place, and every other time camera.fps (the camera restarts)
// Every 10 s it samples camstream's RSS, open fds and write_bytes (/proc/PID) and its
// heap used, active handles, active timers and event-loop delay (its /metrics), and
// prints the growth per hour fitted (least squares) over the samples after the
// warm-up. Then the load stops and fds and handles must return to their baseline.
// Targets: RSS and heap growth < 1 MB/h; write_bytes 0 (nothing written to storage).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AttackPlan } from '../test/helpers/flood-attack';
import { fixture } from '../test/helpers/fixture-files';
import { watchStream } from '../test/helpers/frame-counter';
import { int, mulberry32 } from '../test/helpers/prng';
import { scrape, valueOf } from '../test/helpers/prom-text';
import { SYSTEM_PATH } from '../test/helpers/standin';
import { startLoad } from './soak-load';

const CLI = path.join(__dirname, '..', 'src', 'cli.js');
const UNIT = path.join(__dirname, '..', '..', 'systemd', 'camstream.service');

/** Reads every .js/.json/.node file under `dirs` (following none of their links); returns how many. */
function touchAccessTimes(dirs: string[]): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.(js|json|node)$/.test(e.name)) {
        const fd = fs.openSync(p, 'r');
        fs.readSync(fd, Buffer.alloc(1), 0, 1, 0);
        fs.closeSync(fd);
        n++;
      }
    }
  };
  for (const d of dirs) if (fs.existsSync(d)) walk(d);
  return n;
}

/** Environment=NAME=VALUE lines of the service unit (single assignments, no quoting). */
function unitEnvironment(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of fs.readFileSync(UNIT, 'utf8').matchAll(/^Environment=([A-Z_][A-Z0-9_]*)=(\S*)$/gm)) out[m[1]] = m[2];
  return out;
}
const ATTACKER = path.join(__dirname, '..', 'test', 'helpers', 'flood-attack.js');
const SAMPLE_MS = 10000;
const RELOAD_EVERY_MS = 5 * 60_000;
const MB = 1e6;

interface Sample {
  t: number; // s since the load started
  rss: number; // bytes
  heap: number; // bytes
  fds: number;
  handles: number;
  timers: number;
  loopP99Ms: number;
  loopMaxMs: number;
  writeBytes: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function procIo(pid: number): { writeBytes: number; cancelled: number; wchar: number } {
  const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN);
  return { writeBytes: field('write_bytes'), cancelled: field('cancelled_write_bytes'), wchar: field('wchar') };
}

/** Direct children of `pid` (the camera process). */
function children(pid: number): number[] {
  const out: number[] = [];
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      out.push(...fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      // thread gone
    }
  }
  return out;
}

/** Least-squares slope of y over t (s), per hour. */
function perHour(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((a, [t]) => a + t, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [t, y] of points) {
    num += (t - mt) * (y - my);
    den += (t - mt) ** 2;
  }
  return den === 0 ? NaN : (num / den) * 3600;
}

/** The lowest value in each window of `k` samples: the floor after garbage collection. */
function floors(points: [number, number][], k: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i + k <= points.length; i += k) {
    const w = points.slice(i, i + k);
    out.push(w.reduce((a, b) => (b[1] < a[1] ? b : a)));
  }
  return out;
}

async function until<T>(fn: () => T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    let v: T | null = null;
    try {
      v = await fn();
    } catch {
      // not up yet
    }
    if (v) return v;
    if (performance.now() > end) throw new Error(`soak: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

async function main(): Promise<void> {
  const minutes = Number(process.argv[2] ?? process.env.SOAK_MINUTES ?? 60);
  if (!(minutes > 0)) throw new Error(`soak: expected a length in minutes > 0, got ${process.argv[2]}`);
  const warmupS = Number(process.env.SOAK_WARMUP_MINUTES ?? Math.min(10, minutes / 3)) * 60;
  const floodEveryS = Math.min(600, (minutes * 60) / 3);
  const seed = Number(process.env.SOAK_SEED ?? 1);
  const rng = mulberry32(seed);

  // The stand-in's state (its mode file, its argument log) in RAM, so nothing the bench
  // itself sets up can show as a storage write of camstream's process tree.
  const dir = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'camstream-soak-'));
  const cfgFile = path.join(dir, 'camstream.json');
  const config = {
    server: { host: '127.0.0.1', port: 0, maxConnections: 256, maxConnectionsPerIp: 40, headersTimeoutMs: 2000, requestTimeoutMs: 4000, keepAliveTimeoutMs: 1000 },
    camera: { source: 'libcamera', width: 320, height: 240, fps: 10, restartDelayMs: 500, restartDelayMaxMs: 5000, stallTimeoutMs: 5000 },
    stream: { maxClients: 20, maxClientsPerIp: 6, queueSize: 4, queueTimeoutMs: 2000, stallTimeoutMs: 8000 },
    metrics: { enabled: true },
    log: { level: 'info' },
  };
  fs.writeFileSync(cfgFile, JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(dir, 'mode'), 'ok');
  // The process environment the appliance runs with (Environment= in the unit), so the
  // soak measures what ships; PATH leads to the stand-in camera.
  const env = { ...unitEnvironment(), PATH: [fixture(path.join('standin', 'pi')), SYSTEM_PATH].join(path.delimiter), STANDIN_STATE: dir };
  console.log(`environment from systemd/camstream.service: ${JSON.stringify(unitEnvironment())}`);
  // The installed service reads its code from a read-only file system (ProtectSystem=strict),
  // so reading a module never updates its access time. Here the checkout is writable: a
  // module first read after a day (relatime) would count as 4 KB of storage writes by
  // camstream. Reading every file it may load once beforehand takes that out of the
  // measurement; anything camstream itself writes still counts.
  console.log(`access times refreshed beforehand: ${touchAccessTimes([path.join(__dirname, '..', '..', 'dist', 'src'), path.join(__dirname, '..', '..', 'node_modules')])} files`);
  const server = spawn(process.execPath, [CLI, 'serve', '--config', cfgFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = server.pid!;
  const procs: ChildProcess[] = [server];
  const logCounts = new Map<string, number>();
  const logExample = new Map<string, string>();
  let lastLines: string[] = [];
  let port = 0;
  let buf = '';
  server.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) {
      lastLines = [...lastLines.slice(-20), l];
      const m = /"level":(\d+).*"msg":"([^"]*)"/.exec(l);
      if (!port) port = Number(/"port":(\d+)[^\n]*"msg":"listening"/.exec(l)?.[1] ?? 0);
      if (m && Number(m[1]) >= 40) {
        const key = `${m[1] === '40' ? 'warn' : 'error'} ${m[2]}`;
        logCounts.set(key, (logCounts.get(key) ?? 0) + 1);
        if (!logExample.has(key)) logExample.set(key, l.slice(0, 400));
      }
    }
  });
  let stderr = '';
  server.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  let exited: number | null | undefined;
  server.once('exit', (code) => (exited = code));
  const cleanup = () => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });

  try {
    await until(() => port || exited !== undefined, 20000, 'the listening line');
    if (!port) throw new Error(`camstream exited with ${exited}: ${stderr}${lastLines.join('\n')}`);
    const ioListening = procIo(pid);
    const base = `http://127.0.0.1:${port}`;
    const status = async () =>
      (await (await fetch(`${base}/api/status`, { signal: AbortSignal.timeout(5000) })).json()) as {
        source: { state: string; restarts: number };
        viewers: unknown[];
        config: { lastReload: { at: string; ok: boolean; errors: string[] } | null };
      };
    await until(async () => (await status()).source.state === 'live', 20000, 'the camera live');
    await sleep(2000);

    const sample = async (t: number): Promise<Sample> => {
      const rss = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
      const fds = fs.readdirSync(`/proc/${pid}/fd`).length;
      const { writeBytes } = procIo(pid);
      const m = await scrape(base);
      return {
        t,
        rss,
        fds,
        writeBytes,
        heap: valueOf(m, 'nodejs_heap_size_used_bytes'),
        handles: valueOf(m, 'nodejs_active_handles_total'),
        timers: m.samples.find((s) => s.name === 'nodejs_active_resources' && s.labels.type === 'Timeout')?.value ?? 0,
        loopP99Ms: valueOf(m, 'nodejs_eventloop_lag_p99_seconds') * 1000,
        loopMaxMs: valueOf(m, 'nodejs_eventloop_lag_max_seconds') * 1000,
      };
    };
    const show = (s: Sample, extra = '') =>
      console.log(
        `t=${String(Math.round(s.t)).padStart(5)}s rss ${(s.rss / MB).toFixed(2)} MB heap ${(s.heap / MB).toFixed(2)} MB fds ${s.fds} handles ${s.handles} timers ${s.timers} loop p99 ${s.loopP99Ms.toFixed(1)} ms max ${s.loopMaxMs.toFixed(1)} ms write_bytes ${s.writeBytes}${extra}`,
      );

    const io0 = procIo(pid);
    const baseline = await sample(0);
    console.log(`soak: ${minutes} min, warm-up ${warmupS / 60} min, flood every ${floodEveryS / 60} min, seed ${seed}; camstream pid ${pid} port ${port}, camera = stand-in rpicam-vid 320x240@10`);
    show(baseline, '  (baseline, before any load)');

    const t0 = performance.now();
    const elapsed = () => (performance.now() - t0) / 1000;
    const endAt = minutes * 60;
    const long = watchStream(`${base}/stream`);
    const load = startLoad(base, port, rng, { maxViewers: 10, addresses: ['127.0.0.7', '127.0.0.8', '127.0.0.9', '127.0.0.10'] });

    // The camera's bad days.
    const chaos = { kills: 0, freezes: 0 };
    let chaosOn = true;
    const chaosLoop = (async () => {
      while (chaosOn) {
        const wait = int(rng, 30000, 60000);
        for (let w = 0; w < wait && chaosOn; w += 500) await sleep(500);
        if (!chaosOn) break;
        const cam = children(pid);
        if (cam.length === 0) continue;
        const freeze = rng() < 0.25;
        try {
          process.kill(cam[0], freeze ? 'SIGSTOP' : 'SIGKILL');
          if (freeze) chaos.freezes++;
          else chaos.kills++;
        } catch {
          // it ended on its own meanwhile
        }
      }
    })();

    // Config reloads (`systemctl reload` = SIGHUP) every 5 min: alternately a change applied
    // in place (stream.maxFps) and, every other time, one that restarts the camera (camera.fps).
    const reloads = { sent: 0, ok: 0, failed: 0 };
    const reloadLoop = (async () => {
      while (chaosOn) {
        for (let w = 0; w < RELOAD_EVERY_MS && chaosOn; w += 500) await sleep(500);
        if (!chaosOn) break;
        const n = reloads.sent + 1;
        const next = { ...config, camera: { ...config.camera, fps: n % 4 === 2 ? 9 : 10 }, stream: { ...config.stream, maxFps: n % 2 === 1 ? 8 : 30 } };
        fs.writeFileSync(cfgFile, JSON.stringify(next, null, 2));
        try {
          const before = (await status()).config.lastReload?.at ?? null;
          process.kill(pid, 'SIGHUP');
          reloads.sent++;
          const r = await until(async () => {
            const last = (await status()).config.lastReload;
            return last && last.at !== before ? last : null;
          }, 30000, 'the reload outcome');
          if (r?.ok) reloads.ok++;
          else reloads.failed++;
        } catch {
          reloads.failed++;
        }
      }
    })();

    // Floods, as their own process.
    const floods: string[] = [];
    let nextFlood = floodEveryS;
    const flood = (): Promise<void> =>
      new Promise((resolve) => {
        const plan: AttackPlan = {
          port,
          host: '127.0.0.1',
          durationMs: 20000,
          idle: { addresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4'], sockets: 300, reconnectDelayMs: 200, maxAttempts: 5 },
          slowloris: { addresses: ['127.0.0.5'], sockets: 100, dribbleMs: 1000, reconnectDelayMs: 200, maxAttempts: 5 },
          abortCycles: { addresses: ['127.0.0.6'], cycles: 300, concurrency: 10, path: '/stream' },
        };
        const a = spawn(process.execPath, [ATTACKER, JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'inherit'] });
        procs.push(a);
        let out = '';
        a.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
        a.once('exit', () => {
          try {
            const r = JSON.parse(out);
            floods.push(`idle ${r.idle.connects} connects, slowloris ${r.slowloris.connects}, abort cycles ${r.abortCycles.done}`);
          } catch {
            floods.push(`attacker said: ${out.slice(0, 200)}`);
          }
          resolve();
        });
      });
    let flooding: Promise<void> = Promise.resolve();

    const samples: Sample[] = [];
    let nextSample = SAMPLE_MS / 1000;
    while (elapsed() < endAt) {
      if (exited !== undefined) throw new Error(`camstream exited with ${exited} during the soak: ${stderr}${lastLines.join('\n')}`);
      if (elapsed() >= nextFlood) {
        nextFlood += floodEveryS;
        flooding = flood();
      }
      if (elapsed() >= nextSample) {
        nextSample += SAMPLE_MS / 1000;
        const s = await sample(elapsed());
        samples.push(s);
        show(s, `  viewers ${load.active + 1}${s.t < warmupS ? '  (warm-up)' : ''}`);
      }
      await sleep(250);
    }

    // The load stops: the camera is left alone, every client leaves.
    chaosOn = false;
    await chaosLoop;
    await reloadLoop;
    for (const cam of children(pid)) {
      try {
        process.kill(cam, 'SIGCONT');
      } catch {
        // gone
      }
    }
    await flooding;
    await load.stop();
    const longFrames = long.frames;
    const longEnded = long.ended;
    long.close();
    const fin = await status();
    await until(async () => (await status()).source.state === 'live', 30000, 'the camera live after the load');
    // Back to baseline: descriptors and handles. The NO SIGNAL worker (its own event loop:
    // a few fds) ends 5 min after the last NO SIGNAL picture (capture/no-signal.ts), so
    // wait up to that long and a minute more, and say how long it took.
    const settleFrom = performance.now();
    let after = await sample(elapsed());
    for (let i = 0; i < 200 && performance.now() - settleFrom < 6 * 60_000 && (after.fds > baseline.fds || after.handles > baseline.handles); i++) {
      await sleep(2000);
      after = await sample(elapsed());
    }
    show(after, `  (after the load stopped; settled in ${Math.round((performance.now() - settleFrom) / 1000)} s)`);
    const io1 = procIo(pid);

    const steady = samples.filter((s) => s.t >= warmupS);
    const fit = (pick: (s: Sample) => number) => perHour(steady.map((s) => [s.t, pick(s)]));
    const fitFloor = (pick: (s: Sample) => number) => perHour(floors(steady.map((s) => [s.t, pick(s)]), 6));
    const rssH = fit((s) => s.rss) / MB;
    const heapH = fit((s) => s.heap) / MB;
    const l = load.counters;
    console.log('');
    console.log(`soak summary (${minutes} min, ${steady.length} samples after the ${warmupS / 60} min warm-up):`);
    console.log(`  camera: ${chaos.kills} kills, ${chaos.freezes} freezes; camstream restarted it ${fin.source.restarts} times`);
    console.log(`  config reloads (SIGHUP): ${reloads.sent} sent, ${reloads.ok} applied, ${reloads.failed} failed`);
    console.log(`  viewers: ${l.viewers} (${l.slowReaders} slow readers, ${l.abortedMidFrame} hung up mid-frame), ${l.cutByServer} ended by the server, ${l.refused} refused; ${l.frames} frames`);
    console.log(`  long-lived viewer: ${longFrames} frames, ${longEnded ? 'CUT' : 'never cut'}`);
    console.log(`  snapshots ${l.snapshots.ok} ok / ${l.snapshots.failed} failed; status ${l.status.ok} ok / ${l.status.failed} failed; metrics scrapes ${samples.length + 2}`);
    console.log(`  floods: ${floods.length}${floods.length ? `: ${floods.join('; ')}` : ''}`);
    console.log(`  warnings/errors logged: ${[...logCounts].map(([k, n]) => `${n}× ${k}`).join('; ') || 'none'}`);
    for (const [k, line] of logExample) console.log(`    first "${k}": ${line}`);
    console.log(`  growth per hour (least squares):  RSS ${rssH.toFixed(2)} MB/h, heap ${heapH.toFixed(2)} MB/h, fds ${fit((s) => s.fds).toFixed(2)}/h, handles ${fit((s) => s.handles).toFixed(2)}/h, timers ${fit((s) => s.timers).toFixed(2)}/h`);
    console.log(`  growth per hour of the per-minute lows (after GC): RSS ${(fitFloor((s) => s.rss) / MB).toFixed(2)} MB/h, heap ${(fitFloor((s) => s.heap) / MB).toFixed(2)} MB/h`);
    const range = (pick: (s: Sample) => number) => `${Math.min(...steady.map(pick)).toFixed(1)}..${Math.max(...steady.map(pick)).toFixed(1)}`;
    console.log(`  ranges after warm-up: RSS ${range((s) => s.rss / MB)} MB, heap ${range((s) => s.heap / MB)} MB, fds ${range((s) => s.fds)}, handles ${range((s) => s.handles)}, event-loop p99 ${range((s) => s.loopP99Ms)} ms, max ${range((s) => s.loopMaxMs)} ms`);
    console.log(`  /proc/${pid}/io: write_bytes ${ioListening.writeBytes} when listening, ${io0.writeBytes} at the baseline → ${io1.writeBytes} at the end`);
    console.log(`  /proc/${pid}/io: write_bytes ${io0.writeBytes} → ${io1.writeBytes}, cancelled_write_bytes ${io0.cancelled} → ${io1.cancelled} (wchar ${io0.wchar} → ${io1.wchar}: pipes and sockets, not storage)`);
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
    console.log(`  ${verdict(rssH < 1)} RSS growth < 1 MB/h`);
    console.log(`  ${verdict(heapH < 1)} heap growth < 1 MB/h`);
    console.log(`  ${verdict(after.fds <= baseline.fds)} fds back to baseline (${baseline.fds} → ${after.fds})`);
    console.log(`  ${verdict(after.handles <= baseline.handles)} handles back to baseline (${baseline.handles} → ${after.handles})`);
    console.log(`  ${verdict(io1.writeBytes === io0.writeBytes)} write_bytes unchanged from the baseline to the end (nothing written to storage in steady state)`);
    console.log(`  ${verdict(!longEnded)} long-lived viewer never cut`);
    console.log(`  ${verdict(reloads.sent > 0 && reloads.failed === 0)} every config reload applied`);
  } finally {
    cleanup();
  }
}

main().catch((err: Error) => {
  console.error(err.stack);
  process.exit(1);
});
