// A viewer that never reads must not slow a viewer that does, and is dropped after
// stream.stallTimeoutMs with its slot freed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { getJson, startServer, waitFor } from '../helpers/camstream';
import { makeJpegFolder } from '../helpers/jpeg-fixtures';
import { readStream } from '../helpers/mjpeg-client';

test('a paused viewer does not slow a reading viewer and is dropped after the stall timeout', async (t) => {
  // ~1 MB noise frames at 25 fps: a reader that stops fills the socket buffers in well under a second.
  const dir = makeJpegFolder(4, 1280, 720, 'noise', 95);
  const { base, port } = await startServer(t, {
    camera: { source: 'files', dir, fps: 25 },
    stream: { stallTimeoutMs: 3000, maxClients: 4 },
  });

  const paused = net.connect({ port, host: '127.0.0.1' });
  paused.on('error', () => {});
  t.after(() => paused.destroy());
  paused.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
  paused.pause(); // never read: the server's writes back up

  const windowMs = 1500;
  const r = await readStream(`${base}/stream`, { frames: 1000, durationMs: windowMs, timeoutMs: windowMs + 5000 });
  // 25 fps for 1.5 s is 37 frames; the paused viewer must not drag the reader down.
  assert.ok(r.parts.length >= 25, `reading viewer got ${r.parts.length} frames in ${windowMs} ms`);

  const before = await getJson(`${base}/api/status`);
  const stuck = before.viewers.find((v: { dropped: number }) => v.dropped > 0);
  assert.ok(stuck, 'the paused viewer is skipping frames (counted as dropped), not queueing them');
  const stuckSeenAt = Date.now();

  // The paused client cannot see the close (it reads nothing), so watch the server side.
  const after = await waitFor(async () => {
    const j = await getJson(`${base}/api/status`);
    return j.slots.used === 0 ? j : null;
  }, 6000, 'the stalled viewer to be dropped and its slot released');
  assert.equal(after.viewers.length, 0);
  assert.ok(Date.now() - stuckSeenAt >= 1000, 'dropped only after the stall timeout, not at the first skipped frame');
});
