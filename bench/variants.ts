// What stream.variants costs: CPU per captured frame with 0, 1 and 2 variants being
// watched, at a 1280x720 source, in one run — the number the person enabling a
// variant needs. Frames are the testpattern source's JPEGs (1280x720, quality 75),
// replayed into a frame hub at the camera's rate; the variant encoder (decode once,
// resize, encode per variant, on libuv's pool) runs as in camstream. CPU is the
// whole process (every thread: process.cpuUsage), so the pool's work is counted.
//   npm run build && node dist/bench/variants.js [seconds per case=8] [fps=15]
import { TestPatternSource } from '../src/capture/testpattern';
import type { Config } from '../src/config/schema';
import { FrameHub } from '../src/hub/frame-hub';
import { silentLogger } from '../src/log';
import { VariantEncoder } from '../src/stream/variants';

const W = 1280;
const H = 720;
const SECONDS = Number(process.argv[2] ?? 8);
const FPS = Number(process.argv[3] ?? 15);
const SPECS = [
  { name: 'mid', width: 640, quality: 70 },
  { name: 'low', width: 320, quality: 50 },
];

async function captureFrames(n: number): Promise<Buffer[]> {
  const cam = { source: 'testpattern', width: W, height: H, fps: 60, quality: 75 } as unknown as Config['camera'];
  const src = new TestPatternSource(cam);
  const frames: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    void src.start({
      frame: (jpeg) => {
        frames.push(Buffer.from(jpeg));
        if (frames.length === n) resolve();
      },
      fail: reject,
    });
  });
  await src.stop();
  return frames;
}

async function runCase(frames: Buffer[], wanted: string[]) {
  const hub = new FrameHub({ dropSameFrames: false, log: silentLogger() });
  const enc = new VariantEncoder(hub, SPECS, silentLogger());
  enc.start();
  const releases = wanted.map((name) => enc.want(name));
  // Warm up (first encodes allocate), then measure.
  for (let i = 0; i < 5; i++) {
    hub.publish(frames[i % frames.length], { width: W, height: H });
    await new Promise((r) => setTimeout(r, 1000 / FPS));
  }
  const c0 = { ...enc.counters };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let published = 0;
  const total = Math.round(SECONDS * FPS);
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      hub.publish(frames[published % frames.length], { width: W, height: H });
      if (++published === total) {
        clearInterval(tick);
        resolve();
      }
    }, 1000 / FPS);
  });
  // Let the last frame's work finish inside the measurement.
  await new Promise((r) => setTimeout(r, 300));
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - t0) / 1000;
  releases.forEach((r) => r());
  enc.stop();
  const decodes = enc.counters.decodes - c0.decodes;
  const encodes = enc.counters.encodes - c0.encodes;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    variants: wanted.length === 0 ? '0 (none watched)' : `${wanted.length} (${wanted.map((n) => `${n} ${SPECS.find((s) => s.name === n)!.width}px`).join(', ')})`,
    frames: published,
    decodes,
    encodes,
    skipped: enc.counters.skipped - c0.skipped,
    cpuMsPerFrame: cpuMs / published,
    cpuPercent: (cpuMs / 1000 / wallS) * 100,
    msPerDecodeJob: decodes > 0 ? (enc.counters.busyMs - c0.busyMs) / decodes : 0,
  };
}

async function main(): Promise<void> {
  const frames = await captureFrames(30);
  const avg = frames.reduce((n, f) => n + f.length, 0) / frames.length;
  console.log(`stream.variants cost: ${W}x${H} source (testpattern JPEGs, ${Math.round(avg / 1024)} KiB avg), ${FPS} fps, ${SECONDS} s per case, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4}`);
  console.log(`node ${process.version}, ${process.arch}, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const rows = [];
  for (const wanted of [[], ['low'], ['low', 'mid']]) rows.push(await runCase(frames, wanted));
  const base = rows[0].cpuMsPerFrame;
  console.log('variants watched            frames  decodes  encodes  skipped  CPU ms/frame  (+ over 0)  CPU %   ms/frame in encoder');
  for (const r of rows) {
    console.log(
      `${r.variants.padEnd(27)} ${String(r.frames).padStart(6)}  ${String(r.decodes).padStart(7)}  ${String(r.encodes).padStart(7)}  ${String(r.skipped).padStart(7)}  ${r.cpuMsPerFrame.toFixed(2).padStart(12)}  ${('+' + (r.cpuMsPerFrame - base).toFixed(2)).padStart(10)}  ${r.cpuPercent.toFixed(1).padStart(5)}  ${r.msPerDecodeJob.toFixed(1).padStart(8)}`,
    );
  }
  console.log('(ms/frame in encoder: wall time of one decode + resizes + encodes on the thread pool; "skipped": frames not made because the encoder was busy, variant viewers got the newest instead)');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
