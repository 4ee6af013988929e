// A viewer that never reads must not slow a viewer that does, and is dropped after
// stream.stallTimeoutMs with its slot freed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { getJson, startServer, waitFor } from '../helpers/camstream';
import { makeJpegFolder } from '../helpers/jpeg-fixtures';
import { watchStream } from '../helpers/stream-watcher';
import { selfSignedCert } from '../helpers/self-signed-cert';
import type { FrameSink, FrameSource } from '../../src/capture/source';

test('a paused viewer does not slow a reading viewer and is dropped after the stall timeout', async (t) => {
  // ~1 MB noise frames: a reader that stops fills the socket buffers within a few frames.
  // Each frame carries its number in a COM segment, so the test knows which frames the
  // reader got out of those the camera produced, whatever pace a busy machine allows.
  const dir = makeJpegFolder(4, 1280, 720, 'noise', 95);
  const bases = fs.readdirSync(dir).sort().map((f) => fs.readFileSync(path.join(dir, f)));
  const tagOf = (i: number) => Buffer.from(`camstream-test-frame-${i};`, 'latin1');
  const frame = (i: number) => {
    const tag = tagOf(i);
    const b = bases[i % bases.length];
    return Buffer.concat([b.subarray(0, 2), Buffer.from([0xff, 0xfe, (tag.length + 2) >> 8, (tag.length + 2) & 0xff]), tag, b.subarray(2)]);
  };
  const numberOf = (body: Buffer) => Number(/camstream-test-frame-(\d+);/.exec(body.subarray(0, 64).toString('latin1'))?.[1] ?? -1);

  const stallTimeoutMs = 3000;
  const camera = new PushCamera();
  const { app, base, port } = await startServer(t, { stream: { stallTimeoutMs, maxClients: 4 } }, { source: camera });
  let pushed = 0; // frames 0..pushed-1 have gone to the hub
  // 10 fps: ~10 MB/s, light enough for a busy machine; the paused socket still fills in about a second.
  const ticker = setInterval(() => camera.push(frame(pushed++)), 100);
  t.after(() => clearInterval(ticker));

  const pausedAt = Date.now();
  const paused = net.connect({ port, host: '127.0.0.1' });
  paused.on('error', () => {});
  t.after(() => paused.destroy());
  paused.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
  paused.pause(); // never read: the server's writes back up
  await waitFor(() => app.pipelines[0].viewers.size === 1, 60000, 'the paused viewer to join');
  const pausedId = app.pipelines[0].viewers.list()[0].id;

  const reader = await watchStream(`${base}/stream`);
  t.after(() => reader.close());

  // The paused viewer's socket is full: it is skipping frames (counted as dropped), not
  // queueing them, and it is still connected (not cut at the first skipped frame).
  // (Watched in-process: an HTTP poll can be starved past the stall timeout under load.)
  const stuck = await waitFor(() => app.pipelines[0].viewers.list().find((v) => v.id === pausedId && v.dropped > 0), 60000, 'the paused viewer to skip frames');
  assert.ok(stuck.sent >= 1, 'the paused viewer was sent frames before its socket filled');

  // From now on the paused viewer is backed up. Of the next frames the camera produces,
  // the reader must get nearly all: it must not be held to the paused viewer's pace.
  const from = pushed;
  const count = 20;
  await waitFor(() => reader.parts.some((p) => numberOf(p.body) >= from + count) || reader.ended, 60000, `the reader to get frames past #${from + count}`);
  assert.equal(reader.error, null);
  // Parts arrive in order, so every frame of the range that the reader will get is in.
  const got = new Set(reader.parts.map((p) => numberOf(p.body)).filter((n) => n >= from && n < from + count));
  assert.ok(got.size >= 0.85 * count, `the reading viewer got ${got.size} of the ${count} frames produced while the other viewer was paused`);

  // The paused client cannot see the close (it reads nothing), so watch the server side.
  await waitFor(() => app.pipelines[0].viewers.counters.stalled === 1, 60000, 'the stalled viewer to be dropped');
  assert.ok(Date.now() - pausedAt >= stallTimeoutMs, 'dropped only after the stall timeout');
  const after = await getJson(`${base}/api/status`);
  assert.equal(after.slots.used, 1, 'the paused viewer\'s slot is released; the reader keeps its own');
  assert.deepEqual(after.viewers.map((v: { id: unknown }) => v.id === pausedId), [false]);
  assert.equal(reader.ended, false, 'the reading viewer is still connected');
});

/** A camera the test drives: each push() is one frame from the sensor. */
class PushCamera implements FrameSource {
  readonly kind = 'push';
  private sink: FrameSink | null = null;
  describe(): string {
    return 'test camera driven by push()';
  }
  async start(sink: FrameSink): Promise<void> {
    this.sink = sink;
  }
  async stop(): Promise<void> {
    this.sink = null;
  }
  push(jpeg: Buffer): void {
    this.sink?.frame(jpeg);
  }
}

/**
 * A viewer with small frames pauses (its socket fills), the scene goes still, the
 * viewer reads again: it must stay connected and get the newest frame. `secured`:
 * the same over HTTPS with a token, where the viewer's socket is a TLS socket.
 */
async function smallFramesPauseAndResume(t: TestContext, secured: boolean): Promise<void> {
  // One ~8 KB JPEG, tagged per frame with a COM segment: each frame is distinct and
  // findable in the byte stream. Under the socket's 16 KiB high-water mark, so
  // write() never returns false and Node never emits 'drain' for these frames.
  const base = fs.readFileSync(path.join(makeJpegFolder(1, 112, 84, 'noise', 85), 'frame-0000.jpg'));
  const frame = (i: number) => {
    const tag = Buffer.from(`camstream-test-frame-${i};`, 'latin1');
    const com = Buffer.from([0xff, 0xfe, (tag.length + 2) >> 8, (tag.length + 2) & 0xff]);
    return { tag, jpeg: Buffer.concat([base.subarray(0, 2), com, tag, base.subarray(2)]) };
  };
  assert.ok(base.length > 6000 && base.length < 12000, `frames are ~8 KB (got ${base.length} bytes)`);

  const stallTimeoutMs = 2000;
  const camera = new PushCamera();
  const TOKEN = 'small-frames-token-0123456789';
  const cert = secured ? selfSignedCert() : null;
  const { app, port } = await startServer(
    t,
    {
      // dropSameFrames + a still scene: after the pause there is no next frame to send.
      stream: { stallTimeoutMs, dropSameFrames: true, maxFps: 240 },
      ...(cert ? { server: { tls: { cert: cert.cert, key: cert.key } }, auth: { tokens: [{ name: 'viewer', token: TOKEN }] } } : {}),
    },
    { source: camera },
  );

  const reader = secured ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect({ port, host: '127.0.0.1' });
  reader.on('error', () => {});
  t.after(() => reader.destroy());
  let closed = false;
  reader.on('close', () => (closed = true));
  let tail = Buffer.alloc(0);
  let wanted: Buffer | null = null;
  let gotWanted = false;
  reader.on('data', (c: Buffer) => {
    const hay = Buffer.concat([tail, c]);
    if (wanted && hay.includes(wanted)) gotWanted = true;
    tail = hay.subarray(Math.max(0, hay.length - 64));
  });
  reader.pause(); // a viewer whose link stalls for a moment
  reader.write(`GET /stream${secured ? `?token=${TOKEN}` : ''} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await waitFor(() => app.pipelines[0].viewers.size === 1, 60000, 'the viewer to join');
  const viewer = app.pipelines[0].viewers.list()[0];

  // Moving scene until the paused reader's socket is full and a frame is skipped
  // (the kernel takes a few MB first: ~500 frames at stream.maxFps 240).
  let i = 0;
  const fillUntil = Date.now() + 60000;
  while (viewer.dropped === 0) {
    assert.ok(i < 60000 && Date.now() < fillUntil, `the paused reader's socket backs up (${i} frames pushed, ${viewer.sent} sent)`);
    camera.push(frame(i++).jpeg);
    await new Promise((r) => setTimeout(r, 1));
  }
  // The scene goes still: one last new frame (skipped, the socket is busy), then the
  // camera keeps re-sending the same bytes, which dropSameFrames drops.
  const newest = frame(i++);
  wanted = newest.tag;
  camera.push(newest.jpeg);
  const still = setInterval(() => camera.push(newest.jpeg), 40);
  t.after(() => clearInterval(still));
  reader.resume(); // the link is fine again: the reader reads everything from here on
  const resumedAt = Date.now();

  // Not cut: the viewer stays through twice the stall timeout while it reads.
  while (Date.now() - resumedAt < 2 * stallTimeoutMs + 1000) {
    assert.equal(app.pipelines[0].viewers.size, 1, `the reading viewer is still connected ${Date.now() - resumedAt} ms after resuming`);
    assert.equal(viewer.isClosed, false);
    assert.equal(closed, false, 'the server did not close the reading viewer');
    await new Promise((r) => setTimeout(r, 100));
  }
  // The newest frame went out once the socket drained, without a next frame to push it.
  await waitFor(() => gotWanted, 60000, 'the newest frame to reach the viewer after its socket drained');
  assert.equal(app.pipelines[0].viewers.counters.stalled, 0, 'no viewer was dropped as stalled');
}

test('small frames: a viewer that pauses and resumes is not cut as stalled, and gets the newest frame once its socket drains', (t) =>
  smallFramesPauseAndResume(t, false));

test('small frames over HTTPS with a token: the same (the viewer\'s socket is a TLS socket)', (t) => smallFramesPauseAndResume(t, true));
