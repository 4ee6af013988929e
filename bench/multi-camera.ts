// Several cameras cost what their viewers cost: 2 cameras × 100 viewers against
// 1 camera × 200 viewers, the same JPEG files behind every camera (each camera reads its
// own copy of the directory, so the two are separate devices to the config). Printed in
// one run: server CPU per delivered frame for both, and their ratio (issue 11: within 10 %).
// Server pinned to CPU 0, load generator to CPU 1, as in bench/fanout.ts.
//   node dist/bench/multi-camera.js     (BENCH_MEASURE_MS=10000, BENCH_ROUNDS=3 by default)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeFrames, runLoad, waitForLine, type LoadResult } from './measure';
import { NODE_FLAGS, SERVICE_ENV } from '../src/platform/node-flags';


const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const WARMUP_MS = 3000;
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 10000);
const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Scenario {
  label: string;
  cameras: string[];
}

async function run(s: Scenario, dirs: string[], work: string): Promise<LoadResult & { cpuUsPerFrame: number; cpuPct: number }> {
  const cfgFile = path.join(work, `${s.cameras.length}cam.json`);
  const perCamera = Math.ceil(VIEWERS / s.cameras.length);
  const cameras = Object.fromEntries(s.cameras.map((name, i) => [name, { source: 'files', dir: dirs[i], fps: 30 }]));
  fs.writeFileSync(
    cfgFile,
    JSON.stringify({
      server: { host: '127.0.0.1', port: 0, maxConnections: 1000, maxConnectionsPerIp: 1000 },
      cameras,
      stream: { maxClients: perCamera + 10, maxClientsTotal: VIEWERS + 20, maxClientsPerIp: VIEWERS + 20, queueSize: 0, maxFps: 30, stallTimeoutMs: 10000 },
      log: { level: 'warn' },
    }),
  );
  const server = spawn('taskset', ['-c', '0', process.execPath, ...NODE_FLAGS, CLI, 'serve', '--config', cfgFile], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...SERVICE_ENV, CAMSTREAM_LOG_LEVEL: 'info' } });
  try {
    const port = Number((await waitForLine(server, /"port":(\d+)[^\n]*"msg":"listening"/, 20000))[1]);
    await new Promise((r) => setTimeout(r, 500));
    const url = s.cameras.map((name) => `http://127.0.0.1:${port}/cam/${name}/stream`).join(',');
    const r = await runLoad({ url, viewers: VIEWERS, pid: server.pid!, warmupMs: WARMUP_MS, measureMs: MEASURE_MS });
    return { ...r, cpuUsPerFrame: r.cpuUs / r.delivered, cpuPct: (r.cpuUs / 1000 / r.wallMs) * 100 };
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

async function main() {
  const { dir, avgBytes } = makeFrames();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-multicam-'));
  const copy = path.join(work, 'b');
  fs.cpSync(dir, copy, { recursive: true });
  const scenarios: Scenario[] = [
    { label: `1 camera × ${VIEWERS}`, cameras: ['a'] },
    { label: `2 cameras × ${VIEWERS / 2}`, cameras: ['a', 'b'] },
  ];
  console.log(`multi-camera bench: files source, 640x480, ${(avgBytes / 1024).toFixed(1)} KB/frame avg, 30 fps per camera; server on CPU 0, load on CPU 1; ${MEASURE_MS / 1000} s measured after ${WARMUP_MS / 1000} s warm-up`);
  console.log('scenario           | ok  | fps min | fps median | delivered | server µs CPU/frame | server CPU % | RSS MB');
  console.log('-------------------|-----|---------|------------|-----------|--------------------|--------------|-------');
  // Rounds alternate the two (1, 2, 1, 2, …) so drift in the machine's load hits both
  // alike; the comparison uses each scenario's median.
  const perFrame: number[][] = scenarios.map(() => []);
  for (let round = 0; round < ROUNDS; round++) for (const [k, s] of scenarios.entries()) {
    const r = await run(s, [dir, copy], work);
    perFrame[k].push(r.cpuUsPerFrame);
    console.log(
      [s.label.padEnd(18), String(r.ok).padStart(3), r.fpsMin.toFixed(1).padStart(7), r.fpsMedian.toFixed(1).padStart(10), String(r.delivered).padStart(9), r.cpuUsPerFrame.toFixed(1).padStart(18), r.cpuPct.toFixed(1).padStart(12), r.rssMb.toFixed(1).padStart(6)].join(' | '),
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const [one, two] = perFrame.map(median);
  const diff = (two / one - 1) * 100;
  console.log(`median of ${ROUNDS} rounds: 1 camera ${one.toFixed(1)} µs, 2 cameras ${two.toFixed(1)} µs per delivered frame`);
  console.log(`2 cameras vs 1: ${diff >= 0 ? '+' : ''}${diff.toFixed(1)} % CPU per delivered frame (target: within ±10 %) → ${Math.abs(diff) <= 10 ? 'PASS' : 'FAIL'}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
