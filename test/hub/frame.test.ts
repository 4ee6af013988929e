import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BOUNDARY, buildFrame, jpegSize } from '../../src/hub/frame';
import { FrameHub } from '../../src/hub/frame-hub';
import { RateMeter } from '../../src/hub/rate';
import { cv } from '../../src/capture/cv';
import { silentLogger } from '../../src/log';
import { makeJpegFolder } from '../helpers/jpeg-fixtures';

const jpeg = (w: number, h: number, v = 100) => {
  const o = cv();
  return o.imencode('.jpg', new o.Mat(h, w, o.CV_8UC3, [v, v, v]));
};

test('a frame is headers + JPEG + the next boundary, in one Buffer', () => {
  const j = jpeg(64, 48);
  const f = buildFrame(7, j, 1_700_000_000_123, 64, 48, true, 5);
  const text = f.wire.toString('latin1');
  assert.ok(text.startsWith(`Content-Type: image/jpeg\r\nContent-Length: ${j.length}\r\nX-Timestamp: 1700000000.123000\r\n\r\n`));
  assert.ok(text.endsWith(`\r\n--${BOUNDARY}\r\n`));
  assert.ok(f.jpeg.equals(j));
});

test('the JPEG is a view into the wire buffer, not a copy (checked on a frame too big for the shared pool)', () => {
  // Small Buffers share Node's 8 KiB pool, so two copies can have the same .buffer;
  // noise does not compress, so this JPEG is far past the pool and gets its own.
  const j = fs.readFileSync(path.join(makeJpegFolder(1, 128, 128, 'noise', 95), 'frame-0000.jpg'));
  assert.ok(j.length > Buffer.poolSize, `a JPEG larger than the pool (${j.length} bytes)`);
  const f = buildFrame(1, j, 1_700_000_000_000, 128, 128, true, 0);
  assert.ok(f.jpeg.equals(j));
  const head = f.wire.indexOf('\r\n\r\n') + 4;
  assert.equal(f.jpeg.buffer, f.wire.buffer, 'jpeg shares the wire buffer\'s memory');
  assert.equal(f.jpeg.byteOffset, f.wire.byteOffset + head, 'jpeg starts right after the part headers in wire');
  // Writing into wire shows through jpeg: one piece of memory, not two.
  const before = f.jpeg[100];
  f.wire[head + 100] = before ^ 0xff;
  assert.equal(f.jpeg[100], before ^ 0xff, 'a change to wire is seen in jpeg');
});

test('jpegSize reads the SOF marker', () => {
  assert.deepEqual(jpegSize(jpeg(320, 240)), { width: 320, height: 240 });
  assert.equal(jpegSize(Buffer.from([0xff, 0xd8, 0x00, 0x00])), undefined);
});

test('the hub keeps the newest frame, numbers frames, drops identical ones when asked, isolates listeners', () => {
  let now = 1000;
  const hub = new FrameHub({ dropSameFrames: true, log: silentLogger(), now: () => now });
  const seen: number[] = [];
  hub.subscribe(() => {
    throw new Error('a broken listener');
  });
  hub.subscribe((f) => seen.push(f.seq));
  const a = jpeg(32, 32, 10);
  const b = jpeg(32, 32, 200);
  assert.ok(hub.publish(a));
  now += 100;
  assert.equal(hub.publish(Buffer.from(a)), null, 'identical bytes dropped');
  now += 100;
  assert.ok(hub.publish(b));
  assert.deepEqual(seen, [1, 2]);
  assert.equal(hub.latest?.seq, 2);
  assert.equal(hub.counters.droppedSame, 1);
  assert.equal(hub.counters.listenerErrors, 2);
  assert.deepEqual([hub.latest?.width, hub.latest?.height], [32, 32]);
});

test('RateMeter measures events per second and falls when they stop', () => {
  const r = new RateMeter(8);
  for (let i = 0; i < 8; i++) r.mark(i * 100);
  assert.equal(Math.round(r.rate(700)), 10);
  assert.ok(r.rate(5000) < 2, 'rate decays after events stop');
});
