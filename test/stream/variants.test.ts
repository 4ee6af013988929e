// stream.variants against a real server: a viewer asking for a variant gets JPEGs of
// that size (decoded with OpenCV), a full-size viewer on the same camera still gets
// the camera's own bytes, and no variant is made while nobody asks for one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cv } from '../../src/capture/cv';
import { startServer, waitFor } from '../helpers/camstream';
import { makeJpegFolder } from '../helpers/jpeg-fixtures';
import { readStream, type Part } from '../helpers/mjpeg-client';

const VARIANTS = { low: { width: 160, quality: 50 }, mid: { width: 320 } };

/** A files camera: 640x480 JPEGs passed through untouched, so received full-size bytes can be compared with the files. */
function filesCamera(t: import('node:test').TestContext) {
  const dir = makeJpegFolder(6, 640, 480, 'flat');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f)));
  return { camera: { source: 'files', dir, width: 640, height: 480, fps: 10 }, files };
}

function sizeOf(jpeg: Buffer): { width: number; height: number } {
  const m = cv().imdecode(jpeg);
  assert.ok(!m.empty, 'the part decodes as a JPEG');
  const s = { width: m.cols, height: m.rows };
  m.release(); // not left to the finaliser, which can crash the process at exit
  return s;
}

const sizes = (parts: Part[]) => parts.map((p) => sizeOf(p.body));

test('a low viewer gets JPEGs of the variant size; a full viewer on the same camera gets the camera bytes untouched; snapshots too', async (t) => {
  const { camera, files } = filesCamera(t);
  const { base, app } = await startServer(t, { camera, stream: { variants: VARIANTS } });
  await waitFor(() => app.pipelines[0].hub.latest, 15000, 'the first frame');
  const [low, full, mid] = await Promise.all([
    readStream(`${base}/stream?variant=low`, { frames: 5, timeoutMs: 30000 }),
    readStream(`${base}/stream`, { frames: 5, timeoutMs: 30000 }),
    readStream(`${base}/?action=stream&variant=mid`, { frames: 3, timeoutMs: 30000 }),
  ]);
  assert.equal(low.status, 200);
  assert.deepEqual(sizes(low.parts), Array(5).fill({ width: 160, height: 120 }));
  assert.deepEqual(sizes(mid.parts), Array(3).fill({ width: 320, height: 240 }));
  for (const p of full.parts) assert.ok(files.some((f) => f.equals(p.body)), 'a full-size part is byte for byte one of the camera files');

  const snap = await fetch(`${base}/snapshot?variant=low`);
  assert.equal(snap.status, 200);
  assert.equal(snap.headers.get('x-camstream-variant'), 'low');
  assert.deepEqual(sizeOf(Buffer.from(await snap.arrayBuffer())), { width: 160, height: 120 });
  const whole = Buffer.from(await (await fetch(`${base}/snapshot`)).arrayBuffer());
  assert.ok(files.some((f) => f.equals(whole)), 'the full-size snapshot is the camera bytes');
});

test('no variant is decoded or encoded while nobody asks for one; work stops when the last variant viewer leaves', async (t) => {
  const { camera } = filesCamera(t);
  const { base, app } = await startServer(t, { camera, stream: { variants: VARIANTS } });
  const p = app.pipelines[0];
  const enc = p.variants!;
  await waitFor(() => p.hub.latest, 15000, 'the first frame');
  // Full-size viewers and snapshots only, over several frames.
  const seq0 = p.hub.latest!.seq;
  const full = await readStream(`${base}/stream`, { frames: 6, timeoutMs: 30000 });
  assert.equal(full.parts.length, 6);
  assert.equal((await fetch(`${base}/snapshot`)).status, 200);
  assert.ok(p.hub.latest!.seq >= seq0 + 5, 'frames were captured meanwhile');
  assert.deepEqual({ decodes: enc.counters.decodes, encodes: enc.counters.encodes }, { decodes: 0, encodes: 0 });

  // A low viewer: work starts (one encode per frame for one variant, never more).
  const low = await readStream(`${base}/stream?variant=low`, { frames: 4, timeoutMs: 30000 });
  assert.equal(low.parts.length, 4);
  assert.ok(enc.counters.encodes >= 4);
  assert.ok(enc.counters.encodes <= enc.counters.decodes, 'one variant: one encode per decode');
  // It left: once the server has seen it go, at most the frame in work finishes.
  await waitFor(() => p.viewers.size === 0 && enc.demand('low') === 0, 10000, 'the viewer to be gone');
  const after = enc.counters.encodes;
  const seq1 = p.hub.latest!.seq;
  await waitFor(() => p.hub.latest!.seq >= seq1 + 5, 15000, 'five more frames');
  assert.ok(enc.counters.encodes <= after + 1, `encodes went from ${after} to ${enc.counters.encodes} with nobody watching a variant`);
});

test('one decode serves every variant of a frame', async (t) => {
  const { camera } = filesCamera(t);
  const { base, app } = await startServer(t, { camera, stream: { variants: VARIANTS } });
  const enc = app.pipelines[0].variants!;
  await waitFor(() => app.pipelines[0].hub.latest, 15000, 'the first frame');
  await Promise.all([
    readStream(`${base}/stream?variant=low`, { frames: 6, timeoutMs: 30000 }),
    readStream(`${base}/stream?variant=mid`, { frames: 6, timeoutMs: 30000 }),
  ]);
  // Both watched together for most frames: more encodes than decodes.
  assert.ok(enc.counters.encodes > enc.counters.decodes, `encodes ${enc.counters.encodes}, decodes ${enc.counters.decodes}`);
  assert.ok(enc.counters.encodes <= 2 * enc.counters.decodes);
});

test('an unknown variant is 400 CAMSTREAM_ERR_UNKNOWN_VARIANT naming the ones there are, on every form of the URL', async (t) => {
  const { camera } = filesCamera(t);
  const { base } = await startServer(t, { cameras: { front: camera }, stream: { variants: VARIANTS } });
  for (const url of ['/stream?variant=huge', '/snapshot?variant=huge', '/cam/front/stream?variant=huge', '/cam/front/snapshot?variant=huge', '/?action=stream_0&variant=huge', '/snapshot?variant=auto']) {
    const res = await fetch(`${base}${url}`);
    assert.equal(res.status, 400, url);
    assert.equal(res.headers.get('x-camstream-error'), 'CAMSTREAM_ERR_UNKNOWN_VARIANT', url);
    assert.match(await res.text(), /variant: expected one of "mid", "low", "full".* got "(huge|auto)"/, url);
  }
  const named = await readStream(`${base}/cam/front/stream?variant=low`, { frames: 2, timeoutMs: 30000 });
  assert.deepEqual(sizes(named.parts), Array(2).fill({ width: 160, height: 120 }));
  const snap = await fetch(`${base}/cam/front/snapshot?variant=mid`);
  assert.deepEqual(sizeOf(Buffer.from(await snap.arrayBuffer())), { width: 320, height: 240 });
});

test('with access control on, a variant URL needs credentials like any other', async (t) => {
  const { camera } = filesCamera(t);
  const TOKEN = 'variant-token-0123456789abcdef';
  const { base } = await startServer(t, { camera, stream: { variants: VARIANTS }, auth: { tokens: [{ name: 'nvr', token: TOKEN }], lockout: { maxFailures: 0, delayAfter: 1000 } } });
  for (const url of ['/stream?variant=low', '/snapshot?variant=low', '/stream?variant=auto', '/stream?variant=huge']) {
    const res = await fetch(`${base}${url}`);
    assert.equal(res.status, 401, url);
    assert.equal(res.headers.get('x-camstream-error'), 'CAMSTREAM_ERR_AUTH_REQUIRED', url);
    await res.body?.cancel();
  }
  const wrong = await fetch(`${base}/snapshot?variant=low&token=not-the-token-0123456789`);
  assert.equal(wrong.status, 403);
  const ok = await readStream(`${base}/stream?variant=low&token=${TOKEN}`, { frames: 2, timeoutMs: 30000 });
  assert.deepEqual(sizes(ok.parts), Array(2).fill({ width: 160, height: 120 }));
});
