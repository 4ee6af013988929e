// The http relay against a second, real camstream on loopback: bytes relayed
// unchanged, the upstream restarting (NO SIGNAL meanwhile, then live again on the same
// viewer connection), and clear errors for URLs that are not MJPEG streams.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { HttpRelaySource, parseRelayUrl } from '../../src/capture/http-relay';
import { redactUrl } from '../../src/capture/relay-url';
import { hashPassword } from '../../src/auth/scrypt';
import { CamstreamError } from '../../src/errors';
import { silentLogger } from '../../src/log';
import { capturingLogger, waitFor } from '../helpers/camstream';
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
  assert.equal(relay.app.pipelines[0].viewers.size, 1);
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
  await assert.rejects(new HttpRelaySource({ url: '' }, silentLogger()).start(sink), (e: CamstreamError) => e.code === 'CAMSTREAM_ERR_CONFIG' && /expected an http:\/\/ or https:\/\/ URL of an MJPEG stream when camera\.source is "http", got ""/.test(e.message));
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
  assert.equal(relay.app.pipelines[0].hub.latestLiveFrame, null);
  // The upstream camera comes back: the relay goes live.
  s.setMode('ok');
  await waitFor(() => relay.app.supervisor.status.state === 'live', 15000, 'relay live');
  await waitFor(() => viewer.parts.some((p) => !p.noSignal), 5000, 'a live frame on the relay');
  assert.equal(viewer.ended, false);
});

test('redactUrl hides every secret a URL can carry, and never echoes a URL that does not parse', () => {
  assert.equal(redactUrl('http://admin:hunter2@cam.local:8080/stream'), 'http://admin:***@cam.local:8080/stream');
  assert.equal(redactUrl('https://ghp-tok3n@cam.local/stream'), 'https://***@cam.local/stream', 'a lone user part is a token');
  assert.equal(
    redactUrl('http://cam.local/?action=stream&token=t0k&Signature=s1g&api%5Fkey=k3y&x=1&bare-s3cret'),
    'http://cam.local/?action=stream&token=***&Signature=***&api%5Fkey=***&x=***&***',
    'query values hidden except the few known harmless ones (action)',
  );
  assert.equal(redactUrl('http://cam.local/stream#access_token=t0k'), 'http://cam.local/stream#***');
  assert.equal(redactUrl(new URL('http://cam.local:8080/stream')), 'http://cam.local:8080/stream', 'nothing to hide: shown as is');
  for (const raw of ['http://admin:hunter2@cam local/stream?token=t0k', 'hunter2', 'http://[::1/stream?token=t0k']) {
    const shown = redactUrl(raw);
    assert.doesNotMatch(shown, /hunter2|t0k|admin/, `${JSON.stringify(raw)} shown as ${JSON.stringify(shown)}`);
  }
  // The relay's own messages go through the same rule.
  const s = new HttpRelaySource({ url: 'http://admin:hunter2@cam local/stream?token=t0k' }, silentLogger());
  assert.doesNotMatch(s.describe(), /hunter2|t0k|admin/);
  assert.match(s.describe(), /not a valid URL/);
  assert.throws(() => parseRelayUrl('rtsp://admin:hunter2@cam/stream?token=t0k'), (e: Error) => /got "rtsp:" in "rtsp:\/\/admin:\*\*\*@cam\/stream\?token=\*\*\*"/.test(e.message));
});

test('a relay to a secured camstream: no password or token from camera.url in any log line or /api/status, connected or refused', async (t) => {
  const PASSWORD = 'pw-Secret-4711';
  const TOKEN = 'tok-Secret-0815-abcdef';
  const up = await startCameraServer(
    t,
    { camera: upstreamCamera, auth: { users: [{ name: 'relay', passwordHash: await hashPassword(PASSWORD) }], tokens: [{ name: 'relay', token: TOKEN }],
        // The wrong-credentials relay below retries on its own: no lockout of 127.0.0.1 here.
        lockout: { maxFailures: 0, delayAfter: 1000 } } },
    { env },
  );
  const upUrl = new URL(up.base);
  const relayCamera = { source: 'http', width: 320, height: 240, restartDelayMs: 200, restartDelayMaxMs: 400 };
  const secrets = [PASSWORD, TOKEN, 'wrong-Secret-1', 'wrong-Secret-2'];
  const leaks = (text: string) => secrets.filter((s) => text.includes(s));

  // Right credentials, in both places a URL carries them: user info and ?token=.
  const okLog = capturingLogger('debug');
  const ok = await startCameraServer(
    t,
    { camera: { ...relayCamera, url: `http://relay:${PASSWORD}@${upUrl.host}/stream?token=${TOKEN}&action=stream` } },
    { env, log: okLog.log },
  );
  await waitFor(async () => (await fetch(`${ok.base}/healthz`)).status === 200, 15000, 'the relay to show the secured upstream');
  const okStatus = await (await fetch(`${ok.base}/api/status`)).text();
  assert.deepEqual(leaks(okStatus), [], okStatus);
  assert.match(okStatus, /http relay http:\/\/relay:\*\*\*@127\.0\.0\.1:\d+\/stream\?token=\*\*\*&action=stream/);
  const okLines = okLog.lines();
  assert.ok(okLines.some((l) => l.msg === 'relay connected' && /token=\*\*\*/.test(String(l.url))), 'the log names the (redacted) URL it relays');
  assert.deepEqual(leaks(JSON.stringify(okLines)), []);

  // Wrong credentials: the upstream answers 401, and the error goes to the log and /api/status.
  const badLog = capturingLogger('debug');
  const bad = await startCameraServer(
    t,
    { camera: { ...relayCamera, url: `http://relay:wrong-Secret-1@${upUrl.host}/stream?token=wrong-Secret-2` } },
    { env, log: badLog.log },
  );
  const badStatus = await waitFor(async () => {
    const text = await (await fetch(`${bad.base}/api/status`)).text();
    return /got 401/.test(text) ? text : null;
  }, 15000, 'the 401 from the upstream in /api/status');
  assert.deepEqual(leaks(badStatus), [], badStatus);
  await waitFor(() => badLog.lines().some((l) => /got 401/.test(JSON.stringify(l))), 10000, 'the 401 in the log');
  assert.deepEqual(leaks(JSON.stringify(badLog.lines())), []);
});
