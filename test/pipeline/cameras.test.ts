// Two cameras in one camstream, end to end with real processes: a Pi camera (the
// stand-in rpicam-vid, real MJPEG from ffmpeg's testsrc2) and a `files` camera (JPEGs
// made here with OpenCV: blue, with "NOZZLE" written on them). Each camera's stream
// and snapshot must decode to its own picture, under every URL form; one camera's
// failure must not touch the other's viewers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { cv } from '../../src/capture/cv';
import { hashPassword } from '../../src/auth/scrypt';
import { capturingLogger, getJson, waitFor } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { readStream } from '../helpers/mjpeg-client';
import { standin } from '../helpers/standin';
import { watchStream } from '../helpers/stream-watcher';
import { scrape, valueOf } from '../helpers/prom-text';
import { holdStream } from '../helpers/held-stream';

const FRONT = { source: 'libcamera', width: 320, height: 240, fps: 15, restartDelayMs: 1500, stallTimeoutMs: 60000 };

/** Blue 160x120 JPEGs with "NOZZLE n" on them (distinct, so none is a repeat of the last). */
function nozzleFolder(t: TestContext): string {
  const o = cv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-nozzle-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (let i = 0; i < 6; i++) {
    const mat = new o.Mat(120, 160, o.CV_8UC3, [255, 0, 0]);
    mat.putText(`NOZZLE ${i}`, new o.Point2(8, 70), o.FONT_HERSHEY_SIMPLEX, 0.6, new o.Vec3(255, 255, 255), 1);
    fs.writeFileSync(path.join(dir, `frame-${i}.jpg`), o.imencode('.jpg', mat, [o.IMWRITE_JPEG_QUALITY, 90]));
  }
  return dir;
}

/** Size and mean colour (B, G, R) of a JPEG, decoded by OpenCV. */
function look(jpeg: Buffer): { width: number; height: number; b: number; g: number; r: number } {
  const o = cv();
  const m = o.imdecode(jpeg);
  // opencv4nodejs' Vec4 holds channels 0..3 as w, x, y, z.
  const mean = m.mean() as unknown as { w: number; x: number; y: number };
  const l = { width: m.cols, height: m.rows, b: mean.w, g: mean.x, r: mean.y };
  m.release(); // not left to the finaliser, which can crash the process at exit
  return l;
}

const isNozzle = (j: Buffer) => {
  const l = look(j);
  return l.width === 160 && l.height === 120 && l.b > 180 && l.g < 80 && l.r < 80;
};
const isFront = (j: Buffer) => {
  const l = look(j);
  // testsrc2: a colourful 320x240 pattern, nowhere near a flat blue.
  return l.width === 320 && l.height === 240 && !(l.b > 180 && l.g < 80 && l.r < 80);
};

async function twoCameras(t: TestContext, extra: Record<string, Record<string, unknown>> = {}, logger = capturingLogger()) {
  const s = standin(t, ['pi']);
  const cameras = { front: FRONT, nozzle: { source: 'files', dir: nozzleFolder(t), fps: 30 } };
  const server = await startCameraServer(t, { camera: { fps: 15 }, stream: { maxFps: 60 }, ...extra }, { env: s.env, cameras, log: logger.log });
  const [front, nozzle] = server.app.pipelines;
  await waitFor(() => front.state().state === 'live' && nozzle.state().state === 'live', 60000, 'both cameras live');
  return { ...server, front, nozzle, logger };
}

async function oneFrame(url: string, headers?: Record<string, string>): Promise<Buffer> {
  if (/snapshot/.test(url)) {
    const res = await fetch(url, { headers });
    assert.equal(res.status, 200, `GET ${url}`);
    return Buffer.from(await res.arrayBuffer());
  }
  const r = await readStream(url, { frames: 1, timeoutMs: 30000 });
  assert.equal(r.status, 200, `GET ${url}`);
  return r.parts[0].body;
}

test('two cameras: each URL form serves its own camera\'s picture; unknown names and indexes are 404', async (t) => {
  const { base, app, logger } = await twoCameras(t);
  assert.deepEqual(app.pipelines.map((p) => [p.name, p.index]), [['front', 0], ['nozzle', 1]]);

  for (const url of ['/stream', '/?action=stream', '/?action=stream_0', '/cam/front/stream', '/snapshot', '/?action=snapshot', '/?action=snapshot_0', '/cam/front/snapshot']) {
    assert.ok(isFront(await oneFrame(base + url)), `${url}: the front camera's picture (${JSON.stringify(look(await oneFrame(base + url)))})`);
  }
  for (const url of ['/?action=stream_1', '/cam/nozzle/stream', '/cam/nozzle/stream.mjpg', '/?action=snapshot_1', '/cam/nozzle/snapshot', '/cam/nozzle/snapshot.jpg']) {
    assert.ok(isNozzle(await oneFrame(base + url)), `${url}: the nozzle camera's picture`);
  }
  for (const url of ['/cam/nope/stream', '/cam/nope/snapshot', '/cam/nope/healthz', '/cam/nope/', '/?action=stream_2', '/?action=snapshot_7']) {
    const res = await fetch(base + url);
    assert.equal(res.status, 404, url);
    assert.match(await res.text(), /cameras: front, nozzle/, `${url}: the 404 names the cameras there are`);
  }

  // The phone page of one camera plays that camera.
  const page = await (await fetch(`${base}/cam/nozzle/`)).text();
  assert.match(page, /src="\/cam\/nozzle\/stream"/);
  // With several cameras / is the grid: its server-rendered picture is camera 0's still,
  // so loading the page holds no stream slot before the script swaps in the grid.
  const root = await (await fetch(`${base}/`)).text();
  assert.match(root, /src="\/snapshot"/);
  assert.doesNotMatch(root, /src="\/stream"/);
  assert.match(await (await fetch(`${base}/?mode=stream`)).text(), /src="\/stream"/);

  // Status: top-level = camera 0; `cameras` lists both with their URLs.
  const st = await getJson(`${base}/api/status`);
  assert.equal(st.targetFps, 15);
  assert.deepEqual(st.cameras.map((c: { name: string; state: string }) => [c.name, c.state]), [['front', 'live'], ['nozzle', 'live']]);
  assert.deepEqual(st.cameras[1].urls, { page: '/cam/nozzle/', stream: '/cam/nozzle/stream', snapshot: '/cam/nozzle/snapshot' });
  assert.equal(st.cameras[1].targetFps, 30);
  assert.deepEqual(st.cameras[1].resolution, { width: 160, height: 120 });
  assert.equal(typeof st.slots.total.max, 'number');

  // Health: the aggregate and each camera.
  const h = await fetch(`${base}/healthz`);
  assert.equal(h.status, 200);
  const hb = (await h.json()) as { status: string; cameras: { name: string; state: string }[] };
  assert.equal(hb.status, 'ok');
  assert.deepEqual(hb.cameras.map((c) => [c.name, c.state]), [['front', 'live'], ['nozzle', 'live']]);
  const hn = await fetch(`${base}/cam/nozzle/healthz`);
  assert.equal(hn.status, 200);
  assert.equal(((await hn.json()) as { camera: string }).camera, 'nozzle');

  // Metrics: per-camera series carry the camera label.
  const m = await scrape(base);
  assert.equal(valueOf(m, 'camstream_camera_state', { camera: 'front', state: 'live' }), 1);
  assert.equal(valueOf(m, 'camstream_camera_state', { camera: 'nozzle', state: 'live' }), 1);
  assert.ok(valueOf(m, 'camstream_frames_published_total', { camera: 'nozzle' }) > 0);
  assert.equal(valueOf(m, 'camstream_info', { camera: 'nozzle', source: 'files' }), 1);

  // The log: each camera's lines carry its name.
  const states = logger.lines().filter((l) => l.msg === 'camera state' && l.state === 'live');
  assert.deepEqual(new Set(states.map((l) => l.camera)), new Set(['front', 'nozzle']));
});

test('one camera killed: its viewer sees NO SIGNAL then live frames on the same connection; the other camera\'s viewer misses nothing', async (t) => {
  const { base, app, front, nozzle } = await twoCameras(t);
  const fw = await watchStream(`${base}/cam/front/stream`);
  t.after(() => fw.close());
  const nw = await watchStream(`${base}/cam/nozzle/stream`);
  t.after(() => nw.close());
  await waitFor(() => fw.parts.length >= 2 && nw.parts.length >= 5, 30000, 'both viewers receiving');
  const nv = nozzle.viewers.list()[0];

  // The window: from the kill until the front viewer has live frames again.
  const published0 = nozzle.hub.counters.published;
  const sent0 = nv.sent;
  const frontSeen = fw.parts.length;
  const pid = (front.supervisor as unknown as { opts: { source: { child?: { pid?: number } } } }).opts.source.child?.pid;
  assert.ok(pid, 'the front camera runs as a child process');
  process.kill(pid, 'SIGKILL');
  await waitFor(() => fw.parts.slice(frontSeen).some((p) => p.noSignal), 30000, 'NO SIGNAL on the front viewer');
  const firstNoSignal = frontSeen + fw.parts.slice(frontSeen).findIndex((p) => p.noSignal);
  await waitFor(() => fw.parts.slice(firstNoSignal).some((p) => !p.noSignal), 60000, 'live frames again on the front viewer');
  const published1 = nozzle.hub.counters.published;
  const sent1 = nv.sent;

  assert.ok(front.supervisor.status.restarts >= 1, 'the front camera was restarted');
  assert.ok(isFront(fw.parts[fw.parts.length - 1].body), 'the front viewer sees the front camera again');
  assert.equal(fw.ended, false);
  assert.equal(front.viewers.counters.connected, 1, 'the same connection throughout: the front viewer never reconnected');

  // The other camera: every frame its producer published in the window was sent to its viewer.
  const produced = published1 - published0;
  const sent = sent1 - sent0;
  t.diagnostic(`over the window the nozzle camera produced ${produced} frames; its viewer was sent ${sent}`);
  assert.ok(produced >= 20, `the nozzle camera produced ${produced} frames over the window`);
  assert.ok(sent * 30 >= produced * 29, `the nozzle viewer was sent ${sent} of ${produced} frames (at least 29 of 30 expected)`);
  assert.equal(nozzle.supervisor.status.restarts, 0);
  assert.equal(nozzle.viewers.counters.connected, 1);
  assert.equal(nw.ended, false);
  assert.ok(nw.parts.every((p) => !p.noSignal), 'the nozzle viewer never saw NO SIGNAL');
  // …and received them: the client got what the server sent.
  await waitFor(() => nw.parts.length >= nv.sent - 1, 30000, 'the nozzle viewer to receive what was sent');
  assert.ok(isNozzle(nw.parts[nw.parts.length - 1].body));
  // While front was down, /healthz said so and named it; nozzle stayed live throughout.
  assert.equal(app.pipelines[1].state().state, 'live');
});

test('secured: per-camera URLs need credentials like /stream does', async (t) => {
  const user = 'viewer';
  const password = 'correct horse battery';
  const { base } = await twoCameras(t, { auth: { users: [{ name: user, passwordHash: await hashPassword(password) }] } });
  const basic = { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
  for (const url of ['/cam/nozzle/stream', '/cam/nozzle/snapshot', '/cam/nozzle/', '/cam/nozzle/healthz', '/?action=stream_1', '/?action=snapshot_1', '/cam/nope/stream']) {
    const res = await fetch(base + url, { signal: AbortSignal.timeout(10000) });
    assert.equal(res.status, 401, `${url} without credentials`);
    await res.arrayBuffer();
  }
  assert.ok(isNozzle(await oneFrame(`${base}/cam/nozzle/snapshot`, basic)));
  assert.ok(isNozzle(await oneFrame(`${base}/?action=snapshot_1`, basic)));
  const w = await watchStream(`${base}/cam/nozzle/stream`, { headers: basic });
  t.after(() => w.close());
  assert.equal(w.status, 200);
  await waitFor(() => w.parts.length >= 2, 30000, 'frames with credentials');
  assert.ok(isNozzle(w.parts[1].body));
  const wrong = await fetch(`${base}/cam/front/snapshot`, { headers: { Authorization: `Basic ${Buffer.from(`${user}:nope`).toString('base64')}` } });
  assert.equal(wrong.status, 401);
});

test('stream.maxClientsTotal holds across cameras: camera B refuses (503 + Retry-After) while camera A holds the total', async (t) => {
  const s = standin(t, ['pi']);
  const cameras = {
    a: { source: 'testpattern', width: 160, height: 120, fps: 10 },
    b: { source: 'testpattern', width: 320, height: 240, fps: 10 },
  };
  const { app, base } = await startCameraServer(t, { stream: { maxClients: 5, maxClientsTotal: 2, queueSize: 0 } }, { env: s.env, cameras });
  const [a, b] = app.pipelines;
  await waitFor(() => a.state().state === 'live' && b.state().state === 'live', 60000, 'both cameras live');
  const one = await holdStream(`${base}/cam/a/stream`, { localAddress: '127.0.0.1' });
  t.after(() => one.close());
  const two = await holdStream(`${base}/?action=stream_0`, { localAddress: '127.0.0.2' });
  t.after(() => two.close());
  assert.equal(one.status, 200);
  assert.equal(two.status, 200);

  // Camera b has 5 slots of its own, all free, but the total of 2 is taken by camera a.
  for (const url of ['/cam/b/stream', '/?action=stream_1']) {
    const res = await fetch(base + url, { signal: AbortSignal.timeout(10000) });
    assert.equal(res.status, 503, url);
    assert.ok(Number(res.headers.get('retry-after')) >= 1, `${url}: Retry-After`);
    assert.equal(res.headers.get('x-camstream-error'), 'CAMSTREAM_ERR_POOL_FULL');
    assert.match(await res.text(), /all 2 stream slots of all cameras are in use/);
  }
  const st = await getJson(`${base}/api/status`);
  assert.deepEqual(st.slots.total, { used: 2, max: 2 });
  assert.deepEqual(st.cameras.map((c: { slots: { used: number } }) => c.slots.used), [2, 0]);
  // Snapshots take no slot.
  assert.ok((await oneFrame(`${base}/cam/b/snapshot`)).length > 0);

  // One of camera a's viewers leaves: camera b gets the slot.
  one.close();
  await waitFor(() => a.pool.inUse === 1, 10000, 'the slot to be released');
  const w = await watchStream(`${base}/cam/b/stream`, { localAddress: '127.0.0.3' });
  t.after(() => w.close());
  assert.equal(w.status, 200);
  await waitFor(() => w.parts.length >= 1, 30000, 'a frame on camera b');
  assert.equal(jpegWidth(w.parts[0].body), 320);
});

function jpegWidth(j: Buffer): number {
  return look(j).width;
}

test('auth.healthzOpen opens /healthz and /cam/NAME/healthz, nothing else', async (t) => {
  const s = standin(t, ['pi']);
  const cameras = { a: { source: 'testpattern', width: 160, height: 120, fps: 10 }, b: { source: 'testpattern', width: 160, height: 120, fps: 10 } };
  const auth = { users: [{ name: 'viewer', passwordHash: await hashPassword('correct horse battery') }], healthzOpen: true };
  const { app, base } = await startCameraServer(t, { auth }, { env: s.env, cameras });
  await waitFor(() => app.pipelines.every((p) => p.state().state === 'live'), 60000, 'both cameras live');
  for (const [url, want] of [['/healthz', 200], ['/cam/b/healthz', 200], ['/cam/b/snapshot', 401], ['/cam/b/stream', 401], ['/cam/b/', 401], ['/api/status', 401]] as const) {
    const res = await fetch(base + url, { signal: AbortSignal.timeout(10000) });
    assert.equal(res.status, want, url);
    await res.arrayBuffer();
  }
});

test('two Pi cameras (rpicam-vid --camera 0 and 1): each stream shows its own camera', async (t) => {
  const s = standin(t, ['pi'], 'ok', { piCameras: 2 });
  const cameras = {
    left: { source: 'libcamera', index: 0, width: 320, height: 240, fps: 10, stallTimeoutMs: 60000 },
    right: { source: 'libcamera', index: 1, width: 320, height: 240, fps: 10, stallTimeoutMs: 60000 },
  };
  const { app, base } = await startCameraServer(t, {}, { env: s.env, cameras });
  await waitFor(() => app.pipelines.every((p) => p.state().state === 'live'), 60000, 'both cameras live');
  // The stand-in fills the top-left quarter with the camera's colour: 0 red, 1 lime (BGR).
  const corner = (j: Buffer) => {
    const o = cv();
    const whole = o.imdecode(j);
    const m = whole.getRegion(new o.Rect(4, 4, 60, 40));
    const mean = m.mean() as unknown as { w: number; x: number; y: number };
    m.release();
    whole.release();
    return { b: mean.w, g: mean.x, r: mean.y };
  };
  for (const [url, want] of [['/cam/left/stream', 'r'], ['/?action=stream_0', 'r'], ['/cam/right/stream', 'g'], ['/?action=stream_1', 'g'], ['/cam/right/snapshot', 'g']] as const) {
    const c = corner(await oneFrame(base + url));
    const other = want === 'r' ? c.g : c.r;
    assert.ok(c[want] > 200 && other < 60 && c.b < 60, `${url}: corner ${JSON.stringify(c)}, expected ${want === 'r' ? 'red' : 'green'}`);
  }
  assert.ok(s.runs('rpicam-vid').some((l) => /--camera 1\b/.test(l)), 'the right camera ran with --camera 1');
});
