// Issue 14: with one to a few viewers, a new frame-sized Buffer per frame (the shared
// part, wire.ts wireOf) was most of what a frame cost: fresh memory, page-faulted in
// page by page and freed only at the next GC. Up to FEW_VIEWERS viewers, each viewer
// copies the part into a buffer of its own and reuses it; with more, they share one.
// Over real sockets: what each viewer writes (which memory) and what its client reads.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FrameHub } from '../../src/hub/frame-hub';
import type { Frame } from '../../src/hub/frame';
import { FEW_VIEWERS } from '../../src/stream/viewers';
import { wireOf } from '../../src/stream/wire';
import { waitFor } from '../helpers/camstream';
import { makeJpegFolder } from '../helpers/jpeg-fixtures';
import { connectTo, hubWithViewers, loopbackServer, writeObserver } from '../helpers/loopback-sockets';

/** Distinct JPEGs larger than Node's 8 KiB Buffer pool (so each has memory of its own). */
function jpegs(count: number): Buffer[] {
  const dir = makeJpegFolder(count, 128, 128, 'noise', 95);
  try {
    return fs.readdirSync(dir).sort().map((n) => fs.readFileSync(path.join(dir, n)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Watched {
  /** The memory of each chunk the viewer wrote, in order. */
  written: ArrayBuffer[];
  /** What its client read. */
  received: () => Buffer;
}

async function setup(t: TestContext, viewerCount: number) {
  const watch = writeObserver(t);
  const server = await loopbackServer(t);
  const { hub, viewers } = hubWithViewers(t, 10000);
  const watched: Watched[] = [];
  for (let i = 0; i < viewerCount; i++) {
    const { socket, received } = await connectTo(t, server);
    const w: Watched = { written: [], received };
    // The memory each part lies in, whichever way it is written.
    const record = (buf: Buffer) => w.written.push(buf.buffer as ArrayBuffer);
    watch(socket, { direct: record, streamed: record });
    viewers.add(socket, '127.0.0.1', 0);
    watched.push(w);
  }
  return { hub, watched };
}

/** Publish each JPEG and wait until every client has read its part, as the shared encoding of that frame reads. */
async function stream(hub: FrameHub, watched: Watched[], frames: Buffer[]): Promise<Buffer> {
  const expected: Buffer[] = [];
  for (const jpeg of frames) {
    const frame = hub.publish(jpeg) as Frame;
    // wireOf is the one shared encoding; a viewer's own copy must read the same.
    expected.push(Buffer.from(wireOf(frame)));
    const total = expected.reduce((n, b) => n + b.length, 0);
    await waitFor(() => watched.every((w) => w.received().length >= total), 10000, 'every client to read the frame');
  }
  return Buffer.concat(expected);
}

test(`one viewer: every frame is written from the same buffer of its own, and the client reads each part whole`, async (t) => {
  const { hub, watched } = await setup(t, 1);
  const expected = await stream(hub, watched, jpegs(5));
  const [w] = watched;
  assert.equal(w.written.length, 5);
  assert.equal(new Set(w.written).size, 1, 'one piece of memory reused for all 5 frames, not a new Buffer per frame');
  assert.ok(w.received().equals(expected), 'the client read exactly the parts the shared encoding holds');
});

test(`${FEW_VIEWERS} viewers each reuse a buffer of their own; ${FEW_VIEWERS + 1} share one Buffer per frame`, async (t) => {
  await t.test(`${FEW_VIEWERS} viewers`, async (t) => {
    const { hub, watched } = await setup(t, FEW_VIEWERS);
    const expected = await stream(hub, watched, jpegs(4));
    for (const w of watched) {
      assert.equal(w.written.length, 4);
      assert.equal(new Set(w.written).size, 1, 'each viewer reuses its own buffer');
      assert.ok(w.received().equals(expected));
    }
    assert.equal(new Set(watched.map((w) => w.written[0])).size, FEW_VIEWERS, 'no two viewers share a buffer');
  });
  await t.test(`${FEW_VIEWERS + 1} viewers`, async (t) => {
    const { hub, watched } = await setup(t, FEW_VIEWERS + 1);
    const expected = await stream(hub, watched, jpegs(4));
    for (let f = 0; f < 4; f++) {
      assert.equal(new Set(watched.map((w) => w.written[f])).size, 1, `frame ${f}: one Buffer written to every viewer`);
    }
    assert.equal(new Set(watched[0].written).size, 4, 'a new shared Buffer per frame');
    for (const w of watched) assert.ok(w.received().equals(expected));
  });
});
