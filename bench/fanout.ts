// Fan-out benchmark: N viewers (1, 10, 100, 200) on loopback against the `files`
// source (640x480 JPEGs of about 25 KB, 30 fps). The server runs pinned to CPU 0
// and the load generator to CPU 1, each its own process, so the server's CPU time
// (utime+stime from /proc, kernel TCP work included) is its own.
//   npm run bench            (all scenarios)   node dist/bench/fanout.js 200   (one)
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const LOAD = path.join(__dirname, 'mjpeg-load.js');
const TICK_US = 1e6 / 100; // /proc/PID/stat counts in clock ticks (CLK_TCK = 100 on Linux)
const WARMUP_MS = 3000;
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 10000);

/**
 * 30 distinct 640x480 frames with camera-like detail (ffmpeg's testsrc2 plus sensor-like
 * noise), at a JPEG quality that lands near 25 KB a frame, as a webcam at q≈80 would.
 */
function makeFrames(): { dir: string; avgBytes: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-bench-'));
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=30', '-vf', 'noise=alls=12:allf=t+u', '-frames:v', '30', '-q:v', '5', path.join(dir, 'f%03d.jpg')]);
  const sizes = fs.readdirSync(dir).map((n) => fs.statSync(path.join(dir, n)).size);
  return { dir, avgBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length };
}

function cpuTicks(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function memKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${key}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${re}: ${buf.slice(-500)}`)), timeoutMs);
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = re.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

async function scenario(viewers: number, dir: string) {
  const cfgFile = path.join(dir, 'bench.json');
  fs.writeFileSync(
    cfgFile,
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0, maxConnections: 1000, maxConnectionsPerIp: 1000 },
      camera: { source: 'files', dir, fps: 30 },
      stream: { maxClients: 500, maxClientsPerIp: 500, queueSize: 0, maxFps: 30, stallTimeoutMs: 10000 },
      log: { level: 'warn' },
    }),
  );
  const server = spawn('taskset', ['-c', '0', process.execPath, CLI, 'serve', '--config', cfgFile], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CAMSTREAM_LOG_LEVEL: 'info' } });
  try {
    const port = Number((await waitForLine(server, /"port":(\d+)[^\n]*"msg":"listening"/, 20000))[1]);
    await new Promise((r) => setTimeout(r, 500));
    const load = spawn('taskset', ['-c', '1', process.execPath, LOAD, `http://127.0.0.1:${port}/stream`, String(viewers), String(WARMUP_MS), String(MEASURE_MS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await waitForLine(load, /"event":"measuring"/, WARMUP_MS + 20000);
    const c0 = cpuTicks(server.pid!);
    const t0 = performance.now();
    const done = JSON.parse((await waitForLine(load, /(\{"event":"done".*\})\n/, MEASURE_MS + 30000))[1]);
    const cpuUs = (cpuTicks(server.pid!) - c0) * TICK_US;
    const wallMs = performance.now() - t0;
    const rssMb = memKb(server.pid!, 'VmRSS') / 1024;
    const peakMb = memKb(server.pid!, 'VmHWM') / 1024;
    const per = done.viewers as { status: number; fps: number; frames: number; gapP50: number; gapP99: number }[];
    const ok = per.filter((v) => v.status === 200).length;
    const fps = per.map((v) => v.fps).sort((a, b) => a - b);
    const delivered = per.reduce((n, v) => n + v.frames, 0);
    const p50s = per.map((v) => v.gapP50).sort((a, b) => a - b);
    const p99s = per.map((v) => v.gapP99).sort((a, b) => a - b);
    return {
      viewers,
      ok,
      fpsMin: fps[0],
      fpsMedian: fps[Math.floor(fps.length / 2)],
      cpuUsPerFrame: cpuUs / delivered,
      cpuPct: (cpuUs / 1000 / wallMs) * 100,
      gapP50: p50s[Math.floor(p50s.length / 2)],
      gapP99: p99s[p99s.length - 1],
      rssMb,
      peakMb,
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

async function main() {
  const only = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const counts = only.length ? only : [1, 10, 100, 200];
  const { dir, avgBytes } = makeFrames();
  console.log(`fan-out bench: files source, 640x480, ${(avgBytes / 1024).toFixed(1)} KB/frame avg, 30 fps; server on CPU 0, load on CPU 1; ${MEASURE_MS / 1000} s measured after ${WARMUP_MS / 1000} s warm-up`);
  console.log('viewers | ok  | fps min | fps median | server µs CPU/frame | server CPU % | gap p50 ms | gap p99 ms (worst viewer) | RSS MB | peak RSS MB');
  console.log('--------|-----|---------|------------|--------------------|--------------|------------|---------------------------|--------|------------');
  for (const n of counts) {
    const r = await scenario(n, dir);
    console.log(
      [String(r.viewers).padStart(7), String(r.ok).padStart(3), r.fpsMin.toFixed(1).padStart(7), r.fpsMedian.toFixed(1).padStart(10), r.cpuUsPerFrame.toFixed(1).padStart(18), r.cpuPct.toFixed(1).padStart(12), r.gapP50.toFixed(1).padStart(10), r.gapP99.toFixed(1).padStart(25), r.rssMb.toFixed(1).padStart(6), r.peakMb.toFixed(1).padStart(10)].join(' | '),
    );
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
