// A relay whose camera is a secured Pi: https:// (TLS) with an access token in the URL.
// The relay is a real `camstream serve` child that trusts the Pi's self-signed
// certificate through NODE_EXTRA_CA_CERTS, as a relay host would through its CA store;
// node:https is loaded only for such a URL (issue 14), so this is the path that loads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, waitFor, writeConfig } from '../helpers/camstream';
import { spawnServe } from '../helpers/serve-child';
import { selfSignedCert } from '../helpers/self-signed-cert';

const TOKEN = 'relay-token-0123456789abcdef';

test('a relay streams from an https:// Pi with access control on (TLS + token)', { timeout: 60_000 }, async (t) => {
  const tls = selfSignedCert();
  t.after(() => fs.rmSync(tls.dir, { recursive: true, force: true }));
  const pi = await startServer(t, {
    camera: { source: 'testpattern', width: 160, height: 120, fps: 10 },
    server: { tls: { cert: tls.cert, key: tls.key } },
    auth: { tokens: [{ name: 'relay', token: TOKEN }] },
  });
  const piUrl = `https://127.0.0.1:${pi.port}`;
  const relay = spawnServe(t, writeConfig({ camera: { source: 'http', url: `${piUrl}/stream?token=${TOKEN}` } }), {
    PATH: process.env.PATH,
    NODE_EXTRA_CA_CERTS: tls.cert,
  });
  await waitFor(async () => /"msg":"relay connected"/.test(relay.output()), 30000, `the relay to connect to the Pi; it printed: ${relay.output().slice(-1500)}`);
  // The Pi serves it as the token's stream: one viewer, authenticated as "relay", taking frames.
  const viewers = pi.app.pipelines[0].viewers;
  const v = await waitFor(async () => viewers.list().find((x) => x.sent >= 5), 15000, 'the relay to take 5 frames from the Pi');
  assert.equal(viewers.size, 1, 'one connection to the Pi');
  assert.equal(v.principal?.name, 'relay');
  assert.doesNotMatch(relay.output(), new RegExp(TOKEN), 'the relay never logs the token');
});
