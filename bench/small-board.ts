// Small-board bench (issue 14): what a Pi owner pays at the loads a Pi really has.
// For 640x480 at 15 fps (BENCH_FPS), three servers one after the other in one run:
//   camstream libcamera   the rpicam-vid stand-in (test/fixtures/standin/pi: real MJPEG
//                         from ffmpeg) through the pipe and the JPEG splitter
//   camstream files       a folder of ~25 KB camera-like JPEGs
//   mjpg-streamer files   the same folder: input_file.so -e -d 1/fps, output_http.so
// For each: start-up time to the first live frame at a viewer (median of 3 starts),
// then resident memory and CPU at 0, 1, 3 and 20 viewers. The server runs on CPU 0;
// the load generator (and the stand-in camera's ffmpeg) on CPU 1. CPU is the time on
// CPU of all the server's threads (scheduler accounting, ns resolution), so an idle
// server's few ms a second are resolved and mjpg-streamer's per-client threads count.
//   npm run build && MJPG_STREAMER=/path/to/mjpg_streamer node dist/bench/small-board.js
// MJPG_STREAMER is the mjpg_streamer binary of a cmake build of jacksonliam/mjpg-streamer
// (-DPLUGIN_INPUT_OPENCV=OFF); its plugins are looked for next to it (the build tree's
// plugins/NAME/NAME.so, or NAME.so) or in MJPG_STREAMER_PLUGINS. Without it, that row
// says so and the rest runs. BENCH_FPS, BENCH_VIEWERS (0,1,3,20), BENCH_MEASURE_MS (10000),
// BENCH_ONLY (a part of the server names, e.g. "files") and CAMSTREAM_CLI (another
// build's dist/src/cli.js) change what is run.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { isNoSignal } from '../src/capture/no-signal';
import { freePort, makeFrames, memKb, runLoad, schedCpuUs } from './measure';

const ROOT = path.join(__dirname, '..', '..');
// Another build's cli.js may be given, to compare before/after in one run.
const CLI = process.env.CAMSTREAM_CLI ?? path.join(ROOT, 'dist', 'src', 'cli.js');
const STANDIN_PI = path.join(ROOT, 'test', 'fixtures', 'standin', 'pi');
const FPS = Number(process.env.BENCH_FPS ?? 15);
const WARMUP_MS = 3000;
/**
 * Before the no-viewer phase, which follows start-up: V8's memory reducer runs a full
 * GC and gives memory back some 8 s after a process starts (then re-faults it in), a
 * one-off that a 10-s window right after start-up counts as the steady cost (measured:
 * 1.3-1.6 % of a core in that window, 0.4-0.5 % in the minute after), and again a few
 * seconds after a viewer leaves (the start-up check's viewer did, just before).
 */
const SETTLE_MS = 30000;
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 10000);
const VIEWERS = (process.env.BENCH_VIEWERS ?? '0,1,3,20').split(',').map(Number);
const STARTS = 3;

interface Server {
  name: string;
  /** Start it on `port`; resolves with the process. */
  start(port: number): ChildProcess;
  streamPath: string;
}

interface Row {
  name: string;
  startMs: number[];
  phases: { viewers: number; fps: number; cpuUsPerFrame: number; cpuPct: number; rssMb: number }[];
  note?: string;
}

/** ms from now until the first live (not NO SIGNAL) JPEG arrives at a viewer of `url`. */
async function firstFrameMs(url: string, t0: number, proc: ChildProcess, timeoutMs = 30000): Promise<number> {
  for (;;) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`no frame from ${url} within ${timeoutMs} ms`);
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the server exited (${proc.exitCode ?? proc.signalCode}) before its first frame`);
    const got = await new Promise<number | null>((resolve) => {
      const req = http.get(url, { agent: false }, (res) => {
        let buf = Buffer.alloc(0);
        res.on('data', (c: Buffer) => {
          buf = Buffer.concat([buf, c]);
          // A whole JPEG: FFD8 … FFD9 followed by the part's CRLF.
          for (;;) {
            const soi = buf.indexOf(Buffer.from([0xff, 0xd8]));
            const len = Number(/Content-Length:\s*(\d+)/i.exec(buf.toString('latin1', 0, soi < 0 ? buf.length : soi))?.[1]);
            if (soi < 0 || !len || buf.length < soi + len) return;
            const jpeg = buf.subarray(soi, soi + len);
            buf = buf.subarray(soi + len);
            if (!isNoSignal(jpeg)) {
              req.destroy();
              return resolve(performance.now() - t0);
            }
          }
        });
        res.on('error', () => resolve(null));
      });
      req.on('error', () => resolve(null));
    });
    if (got !== null) return got;
    await new Promise((r) => setTimeout(r, 10)); // not listening yet
  }
}

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 5000);
  return gone.finally(() => clearTimeout(t));
}

/** Move the server's child processes (the stand-in camera) to CPU 1, next to the load. */
function pinChildren(pid: number): void {
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    const kids = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    for (const k of kids) {
      try {
        execFileSync('taskset', ['-a', '-p', '-c', '1', k], { stdio: 'ignore' });
      } catch {
        // it exited
      }
    }
  }
}

async function measure(server: Server): Promise<Row> {
  const row: Row = { name: server.name, startMs: [], phases: [] };
  let proc: ChildProcess | null = null;
  try {
    for (let i = 0; i < STARTS; i++) {
      if (proc) await stop(proc);
      const port = await freePort();
      const t0 = performance.now();
      proc = server.start(port);
      row.startMs.push(await firstFrameMs(`http://127.0.0.1:${port}${server.streamPath}`, t0, proc));
      (proc as ChildProcess & { port?: number }).port = port;
    }
    const p = proc!;
    const url = `http://127.0.0.1:${(p as ChildProcess & { port?: number }).port}${server.streamPath}`;
    pinChildren(p.pid!);
    for (const viewers of VIEWERS) {
      if (viewers === 0) {
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        const c0 = schedCpuUs(p.pid!);
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, MEASURE_MS));
        const used = schedCpuUs(p.pid!) - c0;
        row.phases.push({ viewers, fps: NaN, cpuUsPerFrame: NaN, cpuPct: (used / 10 / (performance.now() - t0)), rssMb: memKb(p.pid!, 'VmRSS') / 1024 });
        continue;
      }
      const r = await runLoad({ url, viewers, pid: p.pid!, warmupMs: WARMUP_MS, measureMs: MEASURE_MS, cpu: schedCpuUs });
      if (r.ok !== viewers) throw new Error(`${server.name}: only ${r.ok} of ${viewers} viewers got a stream`);
      row.phases.push({ viewers, fps: r.fpsMedian, cpuUsPerFrame: r.cpuUs / r.delivered, cpuPct: r.cpuUs / 10 / r.wallMs, rssMb: r.rssMb });
    }
  } finally {
    if (proc) await stop(proc);
  }
  return row;
}

function camstream(name: string, camera: Record<string, unknown>, env: NodeJS.ProcessEnv, dir: string): Server {
  return {
    name,
    streamPath: '/stream',
    start(port) {
      const cfg = path.join(dir, `${name.replace(/\W+/g, '-')}.json`);
      fs.writeFileSync(
        cfg,
        JSON.stringify({
          server: { host: '127.0.0.1', port, maxConnectionsPerIp: 100 },
          camera: { width: 640, height: 480, fps: FPS, ...camera },
          stream: { maxClients: 50, maxClientsPerIp: 50, queueSize: 0 },
          log: { level: 'warn' },
        }),
      );
      return spawn('taskset', ['-c', '0', process.execPath, CLI, 'serve', '--config', cfg], { stdio: ['ignore', 'ignore', 'inherit'], env });
    },
  };
}

/** mjpg-streamer's plugin `name`, next to the binary or in MJPG_STREAMER_PLUGINS. */
function plugin(bin: string, name: string): string {
  const dirs = [process.env.MJPG_STREAMER_PLUGINS, path.join(path.dirname(bin), 'plugins', name), path.dirname(bin), path.join(path.dirname(bin), '..', 'lib', 'mjpg-streamer')];
  for (const d of dirs) if (d && fs.existsSync(path.join(d, `${name}.so`))) return path.join(d, `${name}.so`);
  throw new Error(`mjpg-streamer plugin ${name}.so not found next to ${bin}; set MJPG_STREAMER_PLUGINS to its folder`);
}

function mjpgStreamer(bin: string, dir: string): Server {
  const input = plugin(bin, 'input_file');
  const output = plugin(bin, 'output_http');
  return {
    name: 'mjpg-streamer files',
    streamPath: '/?action=stream',
    start(port) {
      // -e: serve the existing files in a loop; -d: seconds between frames.
      const args = ['-i', `${input} -e -d ${(1 / FPS).toFixed(4)} -f ${dir}`, '-o', `${output} -p ${port} -l 127.0.0.1`];
      return spawn('taskset', ['-c', '0', bin, ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-small-board-'));
  const { dir, avgBytes } = makeFrames();
  const state = path.join(work, 'standin');
  fs.mkdirSync(state);
  fs.writeFileSync(path.join(state, 'mode'), 'ok');
  const standinEnv = { PATH: `${STANDIN_PI}:${process.env.PATH}`, STANDIN_STATE: state };
  const bin = process.env.MJPG_STREAMER;
  const servers: (Server | string)[] = [
    camstream('camstream libcamera', { source: 'libcamera' }, standinEnv, work),
    camstream('camstream files', { source: 'files', dir }, { PATH: process.env.PATH }, work),
    !bin
      ? 'mjpg-streamer: not measured: set MJPG_STREAMER to the path of an mjpg_streamer binary (cmake build of jacksonliam/mjpg-streamer with -DPLUGIN_INPUT_OPENCV=OFF)'
      : !fs.existsSync(bin)
        ? `mjpg-streamer: not measured: MJPG_STREAMER=${bin} does not exist`
        : mjpgStreamer(bin, dir),
  ];
  console.log(
    `small-board bench: 640x480 at ${FPS} fps (files: ${(avgBytes / 1024).toFixed(1)} KB/frame avg; libcamera: the rpicam-vid stand-in's ffmpeg testsrc2 MJPEG); ` +
      `server on CPU 0, load generator and stand-in camera on CPU 1; CPU = all server threads' time on CPU; ${MEASURE_MS / 1000} s measured after ${WARMUP_MS / 1000} s warm-up (no viewer: ${SETTLE_MS / 1000} s after start-up); ` +
      `${os.cpus().length} CPUs: ${os.cpus()[0]?.model ?? '?'}; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at the start`,
  );
  console.log('server               | start→first frame ms (median of 3) | viewers | fps median | µs CPU/delivered frame | CPU % of a core | RSS MB');
  console.log('---------------------|------------------------------------|---------|------------|------------------------|-----------------|-------');
  const rows: Row[] = [];
  const only = process.env.BENCH_ONLY;
  for (const s of servers) {
    if (only && !(typeof s === 'string' ? s : s.name).includes(only)) continue;
    if (typeof s === 'string') {
      console.log(s);
      continue;
    }
    const r = await measure(s);
    rows.push(r);
    for (const ph of r.phases) {
      console.log(
        [
          r.name.padEnd(20),
          `${f(median(r.startMs), 0)} (${r.startMs.map((x) => x.toFixed(0)).join(', ')})`.padStart(34),
          String(ph.viewers).padStart(7),
          f(ph.fps).padStart(10),
          f(ph.cpuUsPerFrame).padStart(22),
          f(ph.cpuPct, 2).padStart(15),
          f(ph.rssMb).padStart(6),
        ].join(' | '),
      );
    }
  }
  // The targets, each with its verdict. A target whose figures were not
  // measured in this run (a row left out, no mjpg-streamer) says so instead.
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  if (!only) {
    // What any Node.js process pays to wake once per frame, on this machine and load:
    // the floor under camstream's per-frame cost, which no change to camstream lowers.
    const idle = spawn('taskset', ['-c', '0', process.execPath, '-e', `setInterval(() => {}, ${1000 / FPS})`], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    const c0 = schedCpuUs(idle.pid!);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, MEASURE_MS));
    const us = schedCpuUs(idle.pid!) - c0;
    const ms = performance.now() - t0;
    await stop(idle);
    console.log(`for reference: an empty Node.js timer at ${FPS} Hz on CPU 0 costs ${f(us / 10 / ms, 2)} % of a core, ${f(us / ((ms / 1000) * FPS))} µs per tick`);
  }
  console.log(`targets (issue 14; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at the end of the run):`);
  const cs = rows.find((r) => r.name === 'camstream files');
  const mj = rows.find((r) => r.name === 'mjpg-streamer files');
  for (const [viewers, limit] of [[0, 2], [1, 1], [3, 1]] as const) {
    const what = viewers === 0 ? 'camera on, no viewer: CPU' : `${viewers} viewer${viewers > 1 ? 's' : ''}: CPU per delivered frame`;
    const a = cs?.phases.find((p) => p.viewers === viewers);
    const b = mj?.phases.find((p) => p.viewers === viewers);
    if (!a || !b) {
      console.log(`  files, ${what} ≤ ${limit}x mjpg-streamer's: not measured (${!a ? 'camstream files' : 'mjpg-streamer'} row missing)`);
      continue;
    }
    const ratio = viewers === 0 ? a.cpuPct / b.cpuPct : a.cpuUsPerFrame / b.cpuUsPerFrame;
    const figures = viewers === 0 ? `${f(a.cpuPct, 2)} vs ${f(b.cpuPct, 2)} % of a core` : `${f(a.cpuUsPerFrame)} vs ${f(b.cpuUsPerFrame)} µs`;
    console.log(`  files, ${what} ≤ ${limit}x mjpg-streamer's: ${figures} = ${ratio.toFixed(2)}x → ${verdict(ratio <= limit)}`);
  }
  for (const r of rows.filter((x) => x.name.startsWith('camstream'))) {
    const at20 = r.phases.find((p) => p.viewers === 20);
    if (at20) console.log(`  ${r.name}, RSS at 20 viewers ≤ 60 MB: ${f(at20.rssMb)} MB → ${verdict(at20.rssMb <= 60)}`);
    else console.log(`  ${r.name}, RSS at 20 viewers ≤ 60 MB: not measured (BENCH_VIEWERS has no 20)`);
    console.log(`  ${r.name}, start to first frame ≤ 1500 ms: ${f(median(r.startMs), 0)} ms → ${verdict(median(r.startMs) <= 1500)}`);
  }
  fs.rmSync(work, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
