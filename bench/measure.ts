// What the benches share: test frames, a server process's CPU time and memory from
// /proc, waiting for a log line, and a run of the load generator (mjpeg-load.ts).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const LOAD = path.join(__dirname, 'mjpeg-load.js');
const TICK_US = 1e6 / 100; // /proc/PID/stat counts in clock ticks (CLK_TCK = 100 on Linux)

/**
 * Distinct 640x480 frames with camera-like detail (ffmpeg's testsrc2 plus sensor-like
 * noise), at a JPEG quality that lands near 25 KB a frame, as a webcam at q≈80 would.
 */
export function makeFrames(count = 30): { dir: string; avgBytes: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-bench-'));
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=30', '-vf', 'noise=alls=12:allf=t+u', '-frames:v', String(count), '-q:v', '5', path.join(dir, 'f%03d.jpg')]);
  const sizes = fs.readdirSync(dir).map((n) => fs.statSync(path.join(dir, n)).size);
  return { dir, avgBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length };
}

/** utime + stime of a process, µs (10 ms resolution; includes threads that have exited). */
export function cpuUs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime + stime
}

/**
 * Time on CPU of all of a process's threads, µs, from the scheduler's own accounting
 * (/proc/PID/task/TID/schedstat, ns resolution): an idle server uses a few ms a second,
 * which 10 ms clock ticks cannot resolve. Threads that exit mid-window are not counted,
 * so use it across windows in which the thread set is stable.
 */
export function schedCpuUs(pid: number): number {
  let ns = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between readdir and read
    }
  }
  return ns / 1000;
}

export function memKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${key}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
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

/** A loopback port free right now (for servers that must be told their port up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface LoadResult {
  viewers: number;
  ok: number;
  fpsMin: number;
  fpsMedian: number;
  /** Frames received by all viewers in the window. */
  delivered: number;
  /** The server's CPU in the window, µs (cpu() below). */
  cpuUs: number;
  wallMs: number;
  gapP50: number;
  gapP99: number;
  rssMb: number;
  peakMb: number;
}

export interface LoadOptions {
  url: string;
  viewers: number;
  /** The server process, whose CPU and memory are read. */
  pid: number;
  warmupMs: number;
  measureMs: number;
  /** CPU reading of the server, µs; default utime+stime. */
  cpu?: (pid: number) => number;
  /** CPU the load generator runs on (taskset -c). */
  loadCpu?: string;
}

/** N viewers of `url` in a separate load process; the server's CPU over the measured window. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const cpu = o.cpu ?? cpuUs;
  const load = spawn('taskset', ['-c', o.loadCpu ?? '1', process.execPath, LOAD, o.url, String(o.viewers), String(o.warmupMs), String(o.measureMs)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => load.once('exit', r));
  await waitForLine(load, /"event":"measuring"/, o.warmupMs + 20000);
  const c0 = cpu(o.pid);
  const t0 = performance.now();
  const done = JSON.parse((await waitForLine(load, /(\{"event":"done".*\})\n/, o.measureMs + 30000))[1]);
  const used = cpu(o.pid) - c0;
  const wallMs = performance.now() - t0;
  const rssMb = memKb(o.pid, 'VmRSS') / 1024;
  const peakMb = memKb(o.pid, 'VmHWM') / 1024;
  load.stdin!.end(); // now the viewers disconnect
  await exited;
  const per = done.viewers as { status: number; fps: number; frames: number; gapP50: number; gapP99: number }[];
  const fps = per.map((v) => v.fps).sort((a, b) => a - b);
  const p50s = per.map((v) => v.gapP50).sort((a, b) => a - b);
  const p99s = per.map((v) => v.gapP99).sort((a, b) => a - b);
  return {
    viewers: o.viewers,
    ok: per.filter((v) => v.status === 200).length,
    fpsMin: fps[0],
    fpsMedian: fps[Math.floor(fps.length / 2)],
    delivered: per.reduce((n, v) => n + v.frames, 0),
    cpuUs: used,
    wallMs,
    gapP50: p50s[Math.floor(p50s.length / 2)],
    gapP99: p99s[p99s.length - 1],
    rssMb,
    peakMb,
  };
}
