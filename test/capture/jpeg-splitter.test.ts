import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { JpegSplitter } from '../../src/capture/jpeg-splitter';
import { ffmpegSplit } from '../helpers/ffmpeg';
import { MJPEG_CAPTURE } from '../helpers/fixture-files';
import { int, mulberry32, type Rng } from '../helpers/prng';

const capture = fs.readFileSync(MJPEG_CAPTURE);
const reference = ffmpegSplit(MJPEG_CAPTURE);

function split(chunks: Buffer[]): { frames: Buffer[]; splitter: JpegSplitter } {
  const frames: Buffer[] = [];
  const splitter = new JpegSplitter((f) => frames.push(Buffer.from(f)));
  for (const c of chunks) splitter.push(c);
  return { frames, splitter };
}

/** Cut `buf` at random points: sizes from 1 byte to a few frames' worth. */
function randomChunks(rng: Rng, buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; ) {
    const r = rng();
    const n = r < 0.2 ? int(rng, 1, 4) : r < 0.7 ? int(rng, 5, 4096) : int(rng, 4097, 40000);
    out.push(Buffer.from(buf.subarray(i, i + n))); // a copy, as a pipe would deliver
    i += n;
  }
  return out;
}

/** Bytes that can never form a marker (no 0xFF), as junk between frames. */
function garbage(rng: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(rng, 0, 0xfe);
  return b;
}

test('the reference split is sound: ffmpeg finds 24 JPEGs that make up the capture', () => {
  assert.equal(reference.length, 24);
  assert.ok(Buffer.concat(reference).equals(capture));
});

test('whole capture in one chunk gives every frame, byte for byte', () => {
  const { frames, splitter } = split([capture]);
  assert.equal(frames.length, reference.length);
  frames.forEach((f, i) => assert.ok(f.equals(reference[i]), `frame ${i} differs`));
  assert.equal(splitter.stats.skippedBytes, 0);
  assert.equal(splitter.pending, 0);
});

test('one byte at a time', () => {
  const chunks = [...capture.subarray(0, 60000)].map((b) => Buffer.from([b]));
  const { frames } = split(chunks);
  const expected = reference.filter((_, i) => Buffer.concat(reference.slice(0, i + 1)).length <= 60000);
  assert.ok(expected.length >= 3);
  assert.deepEqual(frames.map((f) => f.length), expected.map((f) => f.length));
  frames.forEach((f, i) => assert.ok(f.equals(expected[i])));
});

test('property: any chunking, with garbage between frames, yields exactly the reference frames (seeded)', () => {
  const started = Date.now();
  for (let seed = 1; seed <= 200 && Date.now() - started < 20000; seed++) {
    const rng = mulberry32(seed);
    const withJunk = rng() < 0.5;
    const pieces: Buffer[] = [];
    for (const f of reference) {
      if (withJunk && rng() < 0.6) pieces.push(garbage(rng, int(rng, 1, 3000)));
      pieces.push(f);
    }
    if (withJunk) pieces.push(garbage(rng, int(rng, 0, 50)));
    const { frames, splitter } = split(randomChunks(rng, Buffer.concat(pieces)));
    assert.equal(frames.length, reference.length, `seed ${seed}: frame count`);
    for (let i = 0; i < frames.length; i++) assert.ok(frames[i].equals(reference[i]), `seed ${seed}: frame ${i} differs`);
    assert.equal(splitter.stats.droppedFrames, 0, `seed ${seed}`);
  }
});

test('a frame cut off mid-way (producer restarted) is dropped and the next one is found', () => {
  const [a, b, c] = reference;
  const stream = Buffer.concat([a, b.subarray(0, Math.floor(b.length / 2)), c]);
  const rng = mulberry32(7);
  for (let k = 0; k < 30; k++) {
    const { frames, splitter } = split(randomChunks(rng, stream));
    assert.equal(frames.length, 2);
    assert.ok(frames[0].equals(a));
    assert.ok(frames[1].equals(c));
    assert.equal(splitter.stats.droppedFrames, 1);
  }
});

test('a fake SOI in the junk does not swallow the next frame', () => {
  const [a, b] = reference;
  const junk = Buffer.from([0x12, 0xff, 0xd8, 0x00, 0x41, 0x42, 0xff, 0xd8, 0xff]);
  const { frames } = split([a, junk, b]);
  assert.equal(frames.length, 2);
  assert.ok(frames[0].equals(a));
  assert.ok(frames[1].equals(b));
});

test('an FFD9 inside an APP1 segment (EXIF thumbnail) does not end the frame', () => {
  const [main, thumb] = reference;
  // SOI, APP1 "Exif\0\0" + a whole JPEG (thumbnail), then the rest of the main JPEG.
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), thumb]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(payload.length + 2, 2);
  const withThumb = Buffer.concat([main.subarray(0, 2), app1, payload, main.subarray(2)]);
  const rng = mulberry32(99);
  for (let k = 0; k < 20; k++) {
    const { frames } = split(randomChunks(rng, Buffer.concat([withThumb, reference[2]])));
    assert.equal(frames.length, 2);
    assert.ok(frames[0].equals(withThumb));
    assert.ok(frames[1].equals(reference[2]));
  }
});

test('endless bytes without an end marker are dropped at maxFrameBytes instead of growing memory', () => {
  const frames: Buffer[] = [];
  const s = new JpegSplitter((f) => frames.push(f), 64 * 1024);
  const head = reference[0].subarray(0, 1000); // SOI … into the scan data, no EOI
  s.push(head);
  const filler = Buffer.alloc(8192, 0x11);
  for (let i = 0; i < 20; i++) s.push(filler);
  assert.ok(s.pending < 64 * 1024 + 8192, `pending ${s.pending}`);
  assert.equal(s.stats.droppedFrames, 1);
  s.push(reference[1]);
  assert.equal(frames.length, 1);
  assert.ok(frames[0].equals(reference[1]));
});

test('reset() forgets a partial frame', () => {
  const frames: Buffer[] = [];
  const s = new JpegSplitter((f) => frames.push(f));
  s.push(reference[0].subarray(0, 500));
  s.reset();
  s.push(reference[0].subarray(500));
  s.push(reference[1]);
  assert.equal(frames.length, 1);
  assert.ok(frames[0].equals(reference[1]));
});

test('copies: none when every chunk holds whole frames; at most ~2 per byte however small the chunks; kept frames stay intact', () => {
  // One frame per chunk (a pipe that delivers frame by frame): handed on as views, no copy.
  const whole = split(reference.map((f) => Buffer.from(f)));
  assert.equal(whole.frames.length, reference.length);
  assert.equal(whole.splitter.stats.copiedBytes, 0);

  // 1 KB chunks: re-concatenating the partial frame on every chunk would copy each
  // frame ~(size/1 KB)/2 times over; appending copies each byte about once.
  const frames: Buffer[] = [];
  const splitter = new JpegSplitter((f) => frames.push(f)); // kept as given, not copied
  for (let i = 0; i < capture.length; i += 1024) splitter.push(Buffer.from(capture.subarray(i, i + 1024)));
  assert.equal(frames.length, reference.length);
  // Every frame handed on earlier is still the same bytes after all later chunks.
  frames.forEach((f, i) => assert.ok(f.equals(reference[i]), `frame ${i} changed after it was handed on`));
  assert.ok(splitter.stats.copiedBytes <= 2.5 * capture.length, `copied ${splitter.stats.copiedBytes} bytes for a ${capture.length}-byte stream`);
});
