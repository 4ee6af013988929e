// USB MJPEG passthrough vs decode + re-encode: CPU spent to deliver the same camera
// stream (1280x720 MJPEG at 30 fps, as a UVC webcam sends it) into the frame hub.
//   passthrough  ffmpeg -c:v copy → JpegSplitter → hub (the V4l2MjpegSource path; the
//                input is the MJPEG file read at its rate with -re instead of /dev/videoN)
//   re-encode    OpenCV VideoCapture decodes each JPEG, imencode at camera.quality → hub
//                (the OpenCvSource path a camera without passthrough takes)
// Each mode runs in its own process; its CPU time is utime+stime of that process plus
// its reaped children (ffmpeg), from /proc/self/stat.
//   npm run build && node dist/bench/passthrough.js [seconds=10]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChildMjpeg } from '../src/capture/child-mjpeg';
import { cv } from '../src/capture/cv';
import { OpenCvSource } from '../src/capture/opencv';
import type { Config } from '../src/config/schema';
import { FrameHub } from '../src/hub/frame-hub';
import { silentLogger } from '../src/log';

const W = 1280;
const H = 720;
const FPS = 30;
const TICK_S = 1 / 100; // CLK_TCK

interface Result {
  mode: string;
  frames: number;
  wallS: number;
  cpuSelfS: number;
  cpuChildrenS: number;
  avgBytes: number;
}

function cpu(): { self: number; children: number } {
  // Fields after "(comm)": state is 3rd; utime 14, stime 15, cutime 16, cstime 17 (1-based).
  const f = fs.readFileSync('/proc/self/stat', 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(rest[i - 3]);
  return { self: (n(14) + n(15)) * TICK_S, children: (n(16) + n(17)) * TICK_S };
}

async function runMode(mode: string, file: string, frames: number): Promise<Result> {
  const hub = new FrameHub({ dropSameFrames: false, log: silentLogger() });
  let got = 0;
  let bytes = 0;
  // Load OpenCV before measuring: its ~0.5 s load is start-up, not per-frame cost.
  if (mode !== 'passthrough') cv();
  const c0 = cpu();
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const sink = {
      frame: (jpeg: Buffer) => {
        got++;
        bytes += jpeg.length;
        hub.publish(jpeg);
        if (got === frames) resolve();
      },
      fail: (err: Error) => (got >= frames - 1 ? resolve() : reject(err)),
    };
    if (mode === 'passthrough') {
      const child = new ChildMjpeg({
        programs: ['ffmpeg'],
        args: ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'mjpeg', '-framerate', String(FPS), '-i', file, '-c:v', 'copy', '-f', 'mjpeg', '-'],
        env: process.env,
        log: silentLogger(),
        installHint: 'apt install ffmpeg',
      });
      child.start(sink);
    } else {
      const cam = { device: file, fourcc: '', width: W, height: H, fps: FPS, quality: 75, rotation: 0, hflip: false, vflip: false } as Config['camera'];
      const src = new OpenCvSource(cam, silentLogger());
      void src.start({ frame: (j) => (got < frames ? sink.frame(j) : undefined), fail: sink.fail });
      // Stop once done (the file source would loop).
      const check = setInterval(() => {
        if (got >= frames) {
          clearInterval(check);
          void src.stop();
        }
      }, 50);
    }
  });
  // Let ffmpeg exit and be reaped so its CPU shows in cutime.
  await new Promise((r) => setTimeout(r, 500));
  const wallS = (performance.now() - t0) / 1000 - 0.5;
  const c1 = cpu();
  return { mode, frames: got, wallS, cpuSelfS: c1.self - c0.self, cpuChildrenS: c1.children - c0.children, avgBytes: bytes / got };
}

function main(): void {
  if (process.argv[2] === '--mode') {
    const [, , , mode, file, frames] = process.argv;
    void runMode(mode, file, Number(frames)).then((r) => process.stdout.write(JSON.stringify(r), () => process.exit(0)));
    return;
  }
  const seconds = Number(process.argv[2] ?? 10);
  const frames = Math.round(seconds * FPS);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-bench-pt-'));
  const file = path.join(dir, 'camera.mjpeg');
  // Camera-like detail (sensor noise), at a quality a UVC webcam uses.
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${W}x${H}:rate=${FPS}`, '-vf', 'noise=alls=12:allf=t+u', '-frames:v', String(frames), '-q:v', '5', '-f', 'mjpeg', file]);
  console.log(`passthrough bench: ${W}x${H} MJPEG at ${FPS} fps, ${frames} frames (${seconds} s), ${os.cpus().length} CPUs: ${os.cpus()[0]?.model ?? '?'}`);
  const results: Result[] = [];
  for (const mode of ['passthrough', 're-encode']) {
    const out = spawnSync(process.execPath, [__filename, '--mode', mode, file, String(frames)], { encoding: 'utf8', timeout: (seconds + 60) * 1000 });
    if (out.status !== 0) throw new Error(`${mode} run failed (${out.status ?? out.signal}): ${out.stderr}`);
    results.push(JSON.parse(out.stdout) as Result);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('mode         frames  wall s  cpu s (node + ffmpeg)   cpu % of one core  cpu ms/frame  avg JPEG KB');
  for (const r of results) {
    const total = r.cpuSelfS + r.cpuChildrenS;
    console.log(
      `${r.mode.padEnd(12)} ${String(r.frames).padStart(6)}  ${r.wallS.toFixed(1).padStart(6)}  ${total.toFixed(2).padStart(5)} (${r.cpuSelfS.toFixed(2)} + ${r.cpuChildrenS.toFixed(2)})      ${((100 * total) / r.wallS).toFixed(1).padStart(6)}           ${((1000 * total) / r.frames).toFixed(2).padStart(6)}       ${(r.avgBytes / 1024).toFixed(1)}`,
    );
  }
  const [p, e] = results.map((r) => r.cpuSelfS + r.cpuChildrenS);
  console.log(`re-encode costs ${(e / p).toFixed(1)}x the CPU of passthrough`);
}

main();
