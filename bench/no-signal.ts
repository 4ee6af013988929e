// What the NO SIGNAL picture costs in memory and CPU (issue 14: a 512 MB Pi). It is drawn
// in a worker thread (src/capture/no-signal.ts) about once a second while a camera is
// down; this draws PICTURES of them back to back at a few camera sizes, each size in a
// fresh process, and prints the process's resident memory before the first picture
// (no worker yet), after the first, and after all, with the draw time per picture.
//   node dist/bench/no-signal.js [pictures=300]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const SIZES: [number, number][] = [
  [640, 480],
  [1280, 720],
  [1920, 1080],
];

async function child(width: number, height: number, pictures: number): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { noSignalRenderer } = require('../src/capture/no-signal') as typeof import('../src/capture/no-signal');
  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
  const render = noSignalRenderer(width, height);
  const before = rssMb();
  await render('camera process ended: rpicam-vid exited with code 1', new Date());
  const first = rssMb();
  let peak = first;
  const t0 = performance.now();
  for (let i = 1; i < pictures; i++) {
    await render('camera process ended: rpicam-vid exited with code 1', new Date());
    peak = Math.max(peak, rssMb());
  }
  const msEach = (performance.now() - t0) / Math.max(1, pictures - 1);
  process.stdout.write(JSON.stringify({ before, first, peak, last: rssMb(), msEach }) + '\n');
  process.exit(0);
}

function main(): void {
  const pictures = Number(process.argv[2] ?? 300);
  console.log(`NO SIGNAL pictures: ${pictures} drawn back to back per size, each size in a fresh process (MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX ?? 'unset'})`);
  console.log('size      | RSS before MB | after 1st MB | peak MB | after last MB | ms per picture');
  console.log('----------|---------------|--------------|---------|---------------|---------------');
  for (const [w, h] of SIZES) {
    const out = execFileSync(process.execPath, [__filename, '--child', String(w), String(h), String(pictures)], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    console.log([`${w}x${h}`.padEnd(9), r.before.toFixed(1).padStart(13), r.first.toFixed(1).padStart(12), r.peak.toFixed(1).padStart(7), r.last.toFixed(1).padStart(13), r.msEach.toFixed(1).padStart(14)].join(' | '));
  }
}

if (process.argv[2] === '--child') void child(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]));
else main();
