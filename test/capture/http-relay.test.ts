// The http relay against a second, real camstream on loopback: bytes relayed
// unchanged, the upstream restarting (NO SIGNAL meanwhile, then live again on the same
// viewer connection), and clear errors for URLs that are not MJPEG streams.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { HttpRelaySource } from '../../src/capture/http-relay';
import { CamstreamError } from '../../src/errors';
import { silentLogger } from '../../src/log';
import { waitFor } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { standin, SYSTEM_PATH } from '../helpers/standin';
import { watchStream } from '../helpers/stream-watcher';

const env = { PATH: SYSTEM_PATH };
const upstreamCamera = { source: 'testpattern', width: 320, height: 240, fps: 10 };
const hash = (b: Buffer) => crypto.createHash('sha1').update(b).digest('hex');

test('relays another camstream byte for byte, and survives the upstream restarting', async (t) => {
  const up = await startCameraServer(t, { camera: upstreamCamera }, { env });
  const port = up.app.port;
  const relay = await startCameraServer(
    t,
    { camera: { source: 'http', url: `${up.base}/stream`, width: 320, height: 240, stallTimeoutMs: 2000, restartDelayMs: 200, restartDelayMaxMs: 800 } },
    { env },
  );
  const direct = await watchStream(`${up.base}/stream`);
  t.after(() => direct.close());
  const viewer = await watchStream(`${relay.base}/stream`);
  t.after(() => viewer.close());

  await waitFor(() => viewer.parts.filter((p) => !p.noSignal).length >= 5, 10000, '5 relayed frames');
  await new Promise((r) => setTimeout(r, 300)); // let the direct viewer have them too
  const upstreamFrames = new Set(direct.parts.map((p) => hash(p.body)));
  for (const p of viewer.parts.filter((x) => !x.noSignal)) assert.ok(upstreamFrames.has(hash(p.body)), 'a relayed frame differs from every upstream frame');
  assert.equal(relay.app.supervisor.status.kind, 'http');
  assert.match(relay.app.supervisor.status.description, /^http relay http:\/\/127\.0\.0\.1:\d+\/stream$/);

  // The upstream goes away: the relay's viewer gets NO SIGNAL and keeps its connection.
  await up.app.stop();
  await waitFor(() => viewer.parts.filter((p) => p.noSignal).length >= 2, 10000, 'NO SIGNAL frames while upstream is down');
  assert.equal(relay.app.supervisor.status.state === 'offline' || relay.app.supervisor.status.state === 'starting', true);
  assert.match(relay.app.supervisor.status.reason ?? '', /upstream ended the stream|ECONNREFUSED/);
  await waitFor(() => relay.app.supervisor.status.restarts >= 2, 10000, 'reconnect attempts');

  // It comes back on the same port: live frames again, same viewer connection.
  const up2 = await startCameraServer(t, { camera: upstreamCamera }, { env, port });
  const seen = viewer.parts.length;
  await waitFor(() => viewer.parts.slice(seen).filter((p) => !p.noSignal).length >= 5, 15000, 'live frames after the upstream restart');
  assert.equal(viewer.ended, false);
  assert.equal(viewer.error, null);
  assert.equal(relay.app.supervisor.status.state, 'live');
  assert.equal(relay.app.deps.viewers.size, 1);
  await up2.app.stop();
});

test('a URL that answers with something other than an MJPEG stream: a clear UPSTREAM error', async (t) => {
  const up = await startCameraServer(t, { camera: upstreamCamera }, { env });
  const src = new HttpRelaySource({ url: `${up.base}/api/status` }, silentLogger());
  await assert.rejects(
    src.start({ frame() {}, fail() {} }),
    (e: CamstreamError) => e.code === 'CAMSTREAM_ERR_UPSTREAM' && /expected 200 with multipart\/x-mixed-replace, got 200 "application\/json/.test(e.message),
  );
  const missing = new HttpRelaySource({ url: `${up.base}/nope` }, silentLogger());
  await assert.rejects(missing.start({ frame() {}, fail() {} }), /got 404/);
});

test('camera.url must be an http(s) URL (the start fails saying so); a password in it never shows in describe()', async () => {
  const sink = { frame() {}, fail() {} };
  await assert.rejects(new HttpRelaySource({ url: '' }, silentLogger()).start(sink), (e: CamstreamError) => e.code === 'CAMSTREAM_ERR_CONFIG' && /expected an http:\/\/ or https:\/\/ URL of an MJPEG stream, got ""/.test(e.message));
  await assert.rejects(new HttpRelaySource({ url: 'rtsp://cam/stream' }, silentLogger()).start(sink), /got "rtsp:"/);
  const s = new HttpRelaySource({ url: 'http://admin:hunter2@cam.local:8080/stream' }, silentLogger());
  assert.equal(s.describe(), 'http relay http://admin:***@cam.local:8080/stream');
});

test('an upstream camstream showing NO SIGNAL: the relay says so instead of relaying it as live', async (t) => {
  const s = standin(t, ['pi'], 'error');
  const up = await startCameraServer(t, { camera: { source: 'libcamera', width: 320, height: 240, fps: 10, restartDelayMs: 200, restartDelayMaxMs: 400 } }, { env: s.env });
  const relay = await startCameraServer(t, { camera: { source: 'http', url: `${up.base}/stream`, width: 320, height: 240, restartDelayMs: 200, restartDelayMaxMs: 400 } }, { env });
  const viewer = await watchStream(`${relay.base}/stream`);
  t.after(() => viewer.close());
  await waitFor(() => /shows NO SIGNAL/.test(relay.app.supervisor.status.reason ?? ''), 10000, 'the relay to report the upstream NO SIGNAL');
  await waitFor(() => viewer.parts.length >= 2, 10000, 'NO SIGNAL frames on the relay');
  assert.ok(viewer.parts.every((p) => p.noSignal), 'nothing relayed as live');
  assert.equal(relay.app.deps.hub.latestLiveFrame, null);
  // The upstream camera comes back: the relay goes live.
  s.setMode('ok');
  await waitFor(() => relay.app.supervisor.status.state === 'live', 15000, 'relay live');
  await waitFor(() => viewer.parts.some((p) => !p.noSignal), 5000, 'a live frame on the relay');
  assert.equal(viewer.ended, false);
});
