// The client pool seen from outside: real viewers on real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { getJson, openFds, startServer, waitFor } from '../helpers/camstream';
import { readStream } from '../helpers/mjpeg-client';

const camera = { source: 'testpattern', width: 160, height: 120, fps: 20 };

/** Open a stream and keep it open until the returned close() is called. */
function holdStream(url: string, localAddress?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; close: () => void; body: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, localAddress }, (res) => {
      let text = '';
      const body = new Promise<string>((r) => {
        if (res.statusCode === 200) return r('');
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => r(text));
      });
      if (res.statusCode === 200) res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, close: () => req.destroy(), body });
    });
    req.on('error', reject);
  });
}

test('the viewer past maxClients waits and gets the slot a leaving viewer frees; past the queue it gets 503 + Retry-After', async (t) => {
  const { base } = await startServer(t, { camera, stream: { maxClients: 2, maxClientsPerIp: 2, queueSize: 1, queueTimeoutMs: 5000 } });
  const a = await holdStream(`${base}/stream`, '127.0.0.2');
  const b = await holdStream(`${base}/stream`, '127.0.0.3');
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  const queued = holdStream(`${base}/stream`, '127.0.0.4');
  await waitFor(async () => (await getJson(`${base}/api/status`)).slots.queued === 1, 3000, 'one viewer queued');

  const over = await holdStream(`${base}/stream`, '127.0.0.5');
  assert.equal(over.status, 503);
  assert.ok(Number(over.headers['retry-after']) >= 1, 'Retry-After given');
  assert.match(await over.body, /server full/);

  a.close();
  const c = await queued;
  assert.equal(c.status, 200, 'queued viewer got the freed slot');
  const s = await getJson(`${base}/api/status`);
  assert.equal(s.slots.used, 2);
  assert.equal(s.slots.queued, 0);
  b.close();
  c.close();
  await waitFor(async () => (await getJson(`${base}/api/status`)).slots.used === 0, 3000, 'all slots free');
});

test('a queued viewer that waits past queueTimeoutMs gets 503, not a hang', async (t) => {
  const { base } = await startServer(t, { camera, stream: { maxClients: 1, maxClientsPerIp: 1, queueSize: 5, queueTimeoutMs: 300 } });
  const a = await holdStream(`${base}/stream`, '127.0.0.2');
  const started = Date.now();
  const late = await holdStream(`${base}/stream`, '127.0.0.3');
  assert.equal(late.status, 503);
  assert.ok(Date.now() - started >= 250, 'it waited in the queue first');
  assert.match(await late.body, /no stream slot became free/);
  a.close();
});

test('the per-address cap holds: 429 for the same address, others still get in', async (t) => {
  const { base } = await startServer(t, { camera, stream: { maxClients: 4, maxClientsPerIp: 2, queueSize: 2, queueTimeoutMs: 1000 } });
  const held = [await holdStream(`${base}/stream`, '127.0.0.7'), await holdStream(`${base}/stream`, '127.0.0.7')];
  assert.deepEqual(held.map((h) => h.status), [200, 200]);
  const third = await holdStream(`${base}/stream`, '127.0.0.7');
  assert.equal(third.status, 429);
  assert.ok(Number(third.headers['retry-after']) >= 1);
  const other = await readStream(`${base}/stream`, { frames: 2, localAddress: '127.0.0.8' });
  assert.equal(other.parts.length, 2);
  held.forEach((h) => h.close());
});

test('hundreds of connect/abort cycles leave no slot used and no descriptor open', async (t) => {
  const { base, app } = await startServer(t, { camera, stream: { maxClients: 5, maxClientsPerIp: 5, queueSize: 5, queueTimeoutMs: 2000 } });
  await readStream(`${base}/stream`, { frames: 1 }); // warm up: lazy modules, first frame
  await waitFor(async () => (await getJson(`${base}/api/status`)).slots.used === 0, 3000, 'warm-up slot free');
  const fdsBefore = openFds();
  const cycles = 300;
  for (let i = 0; i < cycles; i += 10) {
    // 10 at a time; some abort after headers, some before the response, some after a frame.
    await Promise.all(
      Array.from({ length: 10 }, (_, k) =>
        new Promise<void>((resolve) => {
          const req = http.get(`${base}/stream`, { agent: false }, (res) => {
            if (k % 3 === 0) return void (req.destroy(), resolve());
            res.once('data', () => (req.destroy(), resolve()));
          });
          req.on('error', () => resolve());
          req.on('close', () => resolve());
          if (k % 5 === 4) setImmediate(() => req.destroy());
        }),
      ),
    );
  }
  const s = await waitFor(async () => {
    const j = await getJson(`${base}/api/status`);
    return j.slots.used === 0 && j.slots.queued === 0 && app.server.openSockets <= 1 ? j : null;
  }, 5000, 'every slot and socket released');
  assert.equal(s.viewers.length, 0);
  assert.ok(s.totals.viewersServed >= cycles / 2, `served ${s.totals.viewersServed} viewers`);
  await waitFor(() => openFds() <= fdsBefore, 5000, `descriptors back to ${fdsBefore} (now ${openFds()})`);
});
