// Frame bytes are freed only when V8 collects the objects holding them (frame-garbage.ts):
// the frame path asks for a young-generation collection after every few MB of frames, so
// dead frames do not pile up in malloc's heap between V8's own scavenges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { FrameGarbage } from '../../src/platform/frame-garbage';
import { NODE_FLAGS } from '../../src/platform/node-flags';

test('a collection after every everyBytes of frames, none without a collector', () => {
  let n = 0;
  const g = new FrameGarbage(100, () => n++);
  for (let i = 0; i < 10; i++) g.allocated(30); // 300 bytes: after the 4th, 8th call
  assert.equal(n, 2);
  assert.equal(g.collections, 2);
  assert.ok(g.active);
  const off = new FrameGarbage(100, null);
  for (let i = 0; i < 10; i++) off.allocated(30);
  assert.equal(off.collections, 0);
  assert.equal(off.active, false);
});

/** Publish 400 new 50 KB frames through a real FrameHub in a node started with `flags`; the most frame memory held at once. */
function publishFrames(flags: readonly string[]): { maxArrayBuffersMb: number; collections: number; active: boolean } {
  const dist = path.join(__dirname, '..', '..', 'src');
  const script = `
    const { FrameHub } = require(${JSON.stringify(path.join(dist, 'hub', 'frame-hub.js'))});
    const { frameGarbage } = require(${JSON.stringify(path.join(dist, 'platform', 'frame-garbage.js'))});
    const hub = new FrameHub({ dropSameFrames: false, log: { error() {} } });
    let max = 0;
    for (let i = 0; i < 400; i++) {
      const jpeg = Buffer.alloc(50000); jpeg[0] = 0xff; jpeg[1] = 0xd8; jpeg[2] = i & 0xff;
      hub.publish(jpeg, { width: 640, height: 480 });
      max = Math.max(max, process.memoryUsage().arrayBuffers);
    }
    console.log(JSON.stringify({ maxArrayBuffersMb: max / 1048576, collections: frameGarbage.collections, active: frameGarbage.active }));`;
  return JSON.parse(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }));
}

test('with the service flags, 20 MB of frames never hold more than a few MB at once', () => {
  const on = publishFrames(NODE_FLAGS);
  assert.ok(on.active, 'NODE_FLAGS expose gc');
  assert.ok(on.collections >= 4, `collections: ${on.collections}`);
  assert.ok(on.maxArrayBuffersMb < 10, `most frame memory at once with NODE_FLAGS: ${on.maxArrayBuffersMb.toFixed(1)} MB`);
  // The same without --expose-gc: nothing collects the frames (their JS objects are far
  // too few to fill even a 1 MB young generation), which is what the collections fix.
  const off = publishFrames(NODE_FLAGS.filter((f) => f !== '--expose-gc'));
  assert.equal(off.active, false);
  assert.ok(off.maxArrayBuffersMb > 15, `without --expose-gc the frames pile up: ${off.maxArrayBuffersMb.toFixed(1)} MB`);
});

test('the files source hands over kept Buffers: the hub counts new frame memory only, so kept frames buy no collection', async () => {
  const { FrameHub } = await import('../../src/hub/frame-hub');
  const { FilesSource } = await import('../../src/capture/files');
  const { makeJpegFolder } = await import('../helpers/jpeg-fixtures');
  const fs = await import('node:fs');
  const { silentLogger } = await import('../../src/log');
  let collections = 0;
  const garbage = new FrameGarbage(100_000, () => collections++);
  const hub = new FrameHub({ dropSameFrames: false, log: silentLogger(), garbage });

  // What the files source really hands over: its frames, marked kept.
  const dir = makeJpegFolder(3, 160, 120);
  const got: { jpeg: Buffer; kept: boolean | undefined; width: number }[] = [];
  const src = new FilesSource({ source: 'files', dir, fps: 100 } as never);
  try {
    await src.start({ frame: (jpeg, info) => got.push({ jpeg, kept: info?.kept, width: info?.width ?? 0 }), fail: (err) => assert.fail(err) });
    const t0 = Date.now();
    while (got.length < 6 && Date.now() - t0 < 30000) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await src.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(got.length >= 6, `${got.length} frames from the files source`);
  assert.ok(got.every((f) => f.kept === true && f.width === 160), 'every frame marked kept, with its size');
  assert.equal(got[0].jpeg, got[3].jpeg, 'the same Buffer again on the next loop');

  // 200 KB of kept frames: no collection; 200 KB of new frames: two.
  const kept = Buffer.alloc(20_000, 1);
  for (let i = 0; i < 10; i++) hub.publish(kept, { width: 160, height: 120, kept: true });
  assert.equal(collections, 0, 'kept frames are not frame garbage');
  for (let i = 0; i < 10; i++) hub.publish(Buffer.alloc(20_000, i), { width: 160, height: 120 });
  assert.equal(collections, 2, 'new frames are counted');
});
