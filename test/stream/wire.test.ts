// The multipart part each frame goes out as (src/stream/wire.ts), built in the hub
// frame's cache slot: once per frame, with the JPEG a view into it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildFrame } from '../../src/hub/frame';
import { BOUNDARY, wireOf } from '../../src/stream/wire';
import { cv } from '../../src/capture/cv';
import { makeJpegFolder } from '../helpers/jpeg-fixtures';

const jpeg = (w: number, h: number, v = 100) => {
  const o = cv();
  return o.imencode('.jpg', new o.Mat(h, w, o.CV_8UC3, [v, v, v]));
};

test('a frame is headers + JPEG + the next boundary, in one Buffer', () => {
  const j = jpeg(64, 48);
  const f = buildFrame(7, j, 1_700_000_000_123, 64, 48, true, 5);
  const text = wireOf(f).toString('latin1');
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
  const head = wireOf(f).indexOf('\r\n\r\n') + 4;
  assert.equal(f.jpeg.buffer, wireOf(f).buffer, 'jpeg shares the wire buffer\'s memory');
  assert.equal(f.jpeg.byteOffset, wireOf(f).byteOffset + head, 'jpeg starts right after the part headers in wire');
  // Writing into wire shows through jpeg: one piece of memory, not two.
  const before = f.jpeg[100];
  wireOf(f)[head + 100] = before ^ 0xff;
  assert.equal(f.jpeg[100], before ^ 0xff, 'a change to wire is seen in jpeg');
});
