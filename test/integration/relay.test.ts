// The "many viewers" topology from docs/integrations.md, with two real camstreams on
// loopback: a "Pi" (the camera) and a relay (camera.source=http pointed at the Pi's
// /stream). Twenty viewers watch the relay; the Pi serves exactly one stream the
// whole time, so viewer load never reaches it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startServer, waitFor } from '../helpers/camstream';
import { isJpeg, readStream, type StreamResult } from '../helpers/mjpeg-client';
import { scrape, valueOf } from '../helpers/prom-text';
import { hashPassword } from '../../src/auth/scrypt';

const VIEWERS = 20;

test(`a relay serves ${VIEWERS} viewers from one connection to the Pi`, { timeout: 120_000 }, async (t) => {
  // The Pi has only 2 slots: a relay that opened a connection per viewer would be refused at once.
  const pi = await startServer(t, {
    camera: { source: 'testpattern', width: 320, height: 240, fps: 15 },
    stream: { maxClients: 2, maxClientsPerIp: 2, queueSize: 0 },
  });
  const relay = await startServer(t, {
    camera: { source: 'http', url: `${pi.base}/stream` },
    server: { maxConnectionsPerIp: 64 },
    stream: { maxClients: 40, maxClientsPerIp: 40, queueSize: 0 },
  });
  await waitFor(async () => (await fetch(`${relay.base}/healthz`)).status === 200, 15000, 'the relay to receive frames from the Pi');

  const watching: Promise<StreamResult>[] = [];
  for (let i = 0; i < VIEWERS; i++) watching.push(readStream(`${relay.base}/stream`, { frames: 30, timeoutMs: 30000 }));
  // While all twenty watch: twenty slots on the relay, one on the Pi.
  const relayStatus = await waitFor(async () => {
    const s = await getJson(`${relay.base}/api/status`);
    return s.slots.used === VIEWERS ? s : undefined;
  }, 10000, `${VIEWERS} viewers on the relay`);
  const piStatus = await getJson(`${pi.base}/api/status`);
  assert.equal(relayStatus.slots.used, VIEWERS);
  assert.equal(piStatus.slots.used, 1, 'the Pi holds one streaming connection: the relay');
  assert.equal(piStatus.viewers.length, 1);

  const results = await Promise.all(watching);
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 200, `viewer ${i}: ${r.text}`);
    assert.equal(r.parts.length, 30, `viewer ${i} got all its frames`);
    assert.ok(r.parts.every((p) => isJpeg(p.body)), `viewer ${i}: whole JPEGs`);
  }
  // The pictures the relay serves are the Pi's (320x240 test pattern), not NO SIGNAL.
  assert.match((await getJson(`${relay.base}/api/status`)).source.description, /http relay http:\/\/127\.0\.0\.1/);

  // Over the whole run, only the relay ever streamed from the Pi; the relay sent ~20x what the Pi did.
  const piM = await scrape(pi.base);
  const relayM = await scrape(relay.base);
  assert.equal(valueOf(piM, 'camstream_viewers_connected_total'), 1);
  assert.equal(valueOf(piM, 'camstream_viewers_rejected_total', { reason: 'full' }), 0);
  assert.equal(valueOf(relayM, 'camstream_viewers_connected_total'), VIEWERS);
  const ratio = valueOf(relayM, 'camstream_stream_bytes_sent_total') / valueOf(piM, 'camstream_stream_bytes_sent_total');
  t.diagnostic(`bytes sent: relay/Pi = ${ratio.toFixed(1)}`);
  assert.ok(ratio > VIEWERS / 2, `the relay carried the viewer load (relay/Pi bytes ${ratio.toFixed(1)})`);
  // Viewers gone: the relay keeps its one upstream stream, the Pi still serves just that.
  assert.equal((await getJson(`${pi.base}/api/status`)).slots.used, 1);
});

test('the relay logs in to a Pi that has access control on (credentials in camera.url)', { timeout: 60_000 }, async (t) => {
  const password = 'Relay5ecretPw8Zq';
  const pi = await startServer(t, {
    camera: { source: 'testpattern', width: 160, height: 120, fps: 10 },
    auth: { users: [{ name: 'relay', passwordHash: await hashPassword(password) }] },
  });
  const relay = await startServer(t, { camera: { source: 'http', url: `http://relay:${password}@127.0.0.1:${pi.port}/stream` } });
  await waitFor(async () => (await fetch(`${relay.base}/healthz`)).status === 200, 15000, 'the relay to log in and receive frames');
  const r = await readStream(`${relay.base}/stream`, { frames: 5, timeoutMs: 10000 });
  assert.equal(r.parts.length, 5);
  assert.ok(r.parts.every((p) => isJpeg(p.body)));
  // The password never shows in the relay's status.
  const s = await getJson(`${relay.base}/api/status`);
  assert.doesNotMatch(JSON.stringify(s), new RegExp(password));
  const noAuth = await fetch(`${pi.base}/stream`);
  assert.equal(noAuth.status, 401, 'the Pi itself still refuses viewers without credentials');
  await noAuth.arrayBuffer();
});
