// /stream and its aliases, /snapshot, /api/status, /healthz and 404, against a real
// server with the OpenCV test pattern, read by a real HTTP client and decoded by OpenCV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cv } from '../../src/capture/cv';
import { capturingLogger, getJson, startServer, waitFor } from '../helpers/camstream';
import { isJpeg, readStream } from '../helpers/mjpeg-client';
import { SilentSource } from '../helpers/silent-source';

const camera = { source: 'testpattern', width: 320, height: 240, fps: 20, quality: 70 };

test('every stream URL serves framed JPEGs that OpenCV decodes at the configured size', async (t) => {
  const { base } = await startServer(t, { camera });
  for (const path of ['/stream', '/stream.mjpg', '/?action=stream']) {
    const r = await readStream(base + path, { frames: 5 });
    assert.equal(r.status, 200, path);
    assert.match(String(r.headers['content-type']), /^multipart\/x-mixed-replace; boundary=/);
    assert.match(String(r.headers['cache-control']), /no-store/);
    assert.equal(r.headers['transfer-encoding'], undefined, 'no chunked framing inside the multipart stream');
    assert.equal(r.parts.length, 5, path);
    let lastTs = 0;
    for (const p of r.parts) {
      assert.equal(p.headers['content-type'], 'image/jpeg');
      assert.equal(Number(p.headers['content-length']), p.body.length);
      assert.ok(isJpeg(p.body), `${path}: part is FFD8…FFD9`);
      const ts = Number(p.headers['x-timestamp']);
      assert.ok(ts >= lastTs, 'timestamps do not go backwards');
      lastTs = ts;
      const mat = cv().imdecode(p.body);
      assert.equal(mat.cols, 320);
      assert.equal(mat.rows, 240);
      mat.release(); // not left to the finaliser, which can crash the process at exit
    }
  }
});

test('/snapshot and its aliases return the newest JPEG without taking a slot', async (t) => {
  const { base } = await startServer(t, { camera });
  await waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, 5000, 'first frame');
  for (const path of ['/snapshot', '/snapshot.jpg', '/?action=snapshot']) {
    const res = await fetch(base + path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.match(res.headers.get('cache-control') ?? '', /no-store/);
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(isJpeg(body));
    const mat = cv().imdecode(body);
    assert.deepEqual([mat.cols, mat.rows], [320, 240]);
    mat.release();
  }
  const status = await getJson(`${base}/api/status`);
  assert.equal(status.slots.used, 0, 'snapshots hold no slot');
});

test('/api/status reports source, resolution, fps, slots and each viewer', async (t) => {
  const { base } = await startServer(t, { camera, stream: { maxClients: 7 } });
  // Hold a stream open while reading status.
  const reading = readStream(`${base}/stream?fps=5`, { frames: 8, timeoutMs: 8000 });
  const s = await waitFor(async () => {
    const j = await getJson(`${base}/api/status`);
    return j.viewers.length === 1 && j.viewers[0].sent >= 3 ? j : null;
  }, 8000, 'a viewer in /api/status');
  assert.equal(s.source.kind, 'testpattern');
  assert.equal(s.source.state, 'live');
  assert.deepEqual(s.resolution, { width: 320, height: 240 });
  assert.ok(s.fps > 5 && s.fps < 40, `capture fps ${s.fps} near 20`);
  assert.equal(s.slots.max, 7);
  assert.equal(s.slots.used, 1);
  assert.equal(s.slots.queued, 0);
  const v = s.viewers[0];
  assert.equal(v.address, '127.0.0.1');
  assert.equal(v.maxFps, 5);
  assert.equal(typeof v.fps, 'number');
  assert.equal(typeof v.dropped, 'number');
  assert.equal((await reading).parts.length, 8);
  const after = await waitFor(async () => {
    const j = await getJson(`${base}/api/status`);
    return j.slots.used === 0 ? j : null;
  }, 3000, 'slot released');
  assert.equal(after.viewers.length, 0);
});

test('/healthz is 503 and /snapshot explains itself before the first frame; 200 once frames flow', async (t) => {
  const silent = await startServer(t, { camera }, { source: new SilentSource() });
  const h = await fetch(`${silent.base}/healthz`);
  assert.equal(h.status, 503);
  assert.equal(((await h.json()) as { status: string }).status, 'unavailable');
  const snap = await fetch(`${silent.base}/snapshot`);
  assert.equal(snap.status, 503);
  assert.equal(snap.headers.get('retry-after'), '1');
  assert.match(await snap.text(), /no frame yet/);

  const live = await startServer(t, { camera });
  await waitFor(async () => (await fetch(`${live.base}/healthz`)).status === 200, 5000, 'healthz 200');
});

test('unknown paths are 404, unknown actions and bad fps are 400, other methods 405', async (t) => {
  const { base } = await startServer(t, { camera });
  const cases: [string, number, RequestInit?][] = [
    ['/nope', 404],
    ['/stream/extra', 404],
    ['/?action=delete', 400],
    ['/?action=stream&action=snapshot', 400],
    ['/stream?fps=abc', 400],
    ['/stream?fps=-1', 400],
    ['/stream?fps=0', 400],
    ['/stream?fps=1e9', 400],
    ['/stream?fps=1&fps=2', 400],
    ['/stream', 405, { method: 'POST' }],
    ['/snapshot', 405, { method: 'DELETE' }],
  ];
  for (const [path, status, init] of cases) {
    const res = await fetch(base + path, init);
    assert.equal(res.status, status, `${init?.method ?? 'GET'} ${path}`);
    await res.arrayBuffer();
  }
  // The server still streams after all that.
  assert.equal((await readStream(`${base}/stream`, { frames: 2 })).parts.length, 2);
});

test('?fps=N caps one viewer without slowing another', async (t) => {
  const { base } = await startServer(t, { camera: { ...camera, fps: 20 } });
  const windowMs = 2000;
  const count = async (path: string) => (await readStream(base + path, { frames: 1000, durationMs: windowMs })).parts.length;
  const [capped, full] = await Promise.all([count('/stream?fps=4'), count('/stream')]);
  assert.ok(capped >= 6 && capped <= 11, `capped viewer got ${capped} frames in ${windowMs} ms (cap 4 fps)`);
  assert.ok(full >= 25, `uncapped viewer got ${full} frames in ${windowMs} ms (source 20 fps)`);
});

test('each viewer is logged once joining and once leaving, with address, duration, frames sent and dropped; no per-frame lines', async (t) => {
  const { log, lines } = capturingLogger('info');
  const { base } = await startServer(t, { camera }, { log });
  await readStream(`${base}/stream`, { frames: 10 });
  const left = await waitFor(() => {
    const found = lines().filter((l) => l.msg === 'viewer left');
    return found.length > 0 ? found : null;
  }, 3000, 'the leave line');
  const joined = lines().filter((l) => l.msg === 'viewer joined');
  assert.equal(joined.length, 1);
  assert.equal(left.length, 1);
  assert.equal(joined[0].address, '127.0.0.1');
  const l = left[0];
  assert.equal(l.address, '127.0.0.1');
  assert.equal(l.viewer, joined[0].viewer);
  assert.equal(typeof l.durationMs, 'number');
  assert.ok((l.sent as number) >= 10, `sent ${l.sent}`);
  assert.equal(typeof l.dropped, 'number');
  // 10+ frames went out, yet the whole info log stays a handful of lines.
  assert.ok(lines().length < 15, `${lines().length} info lines for one short viewer: ${lines().map((x) => x.msg).join(', ')}`);
});
