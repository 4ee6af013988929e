// Fan-out benchmark: N viewers (1, 10, 100, 200) on loopback against the `files`
// source (640x480 JPEGs of about 25 KB, 30 fps). The server runs pinned to CPU 0
// and the load generator to CPU 1, each its own process, so the server's CPU time
// (utime+stime from /proc, kernel TCP work included) is its own.
//   npm run bench            (all scenarios)   node dist/bench/fanout.js 200   (one)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeFrames, runLoad, waitForLine } from './measure';
import { NODE_FLAGS, SERVICE_ENV } from '../src/platform/node-flags';


const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const WARMUP_MS = 3000;
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 10000);

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
  const server = spawn('taskset', ['-c', '0', process.execPath, ...NODE_FLAGS, CLI, 'serve', '--config', cfgFile], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...SERVICE_ENV, CAMSTREAM_LOG_LEVEL: 'info' } });
  try {
    const port = Number((await waitForLine(server, /"port":(\d+)[^\n]*"msg":"listening"/, 20000))[1]);
    await new Promise((r) => setTimeout(r, 500));
    const r = await runLoad({ url: `http://127.0.0.1:${port}/stream`, viewers, pid: server.pid!, warmupMs: WARMUP_MS, measureMs: MEASURE_MS });
    return { ...r, cpuUsPerFrame: r.cpuUs / r.delivered, cpuPct: (r.cpuUs / 1000 / r.wallMs) * 100 };
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
