// A viewer whose client half-closed: Node ends the server's side of the socket at once
// (allowHalfOpen is off) but 'close' comes later, and under load frames arrive in
// between. Writing one then fails with "write after end", which Koa logs as a warning
// with a stack, once per such client, for months (seen in bench/soak.ts). The viewer
// must see the ended socket, write nothing, and leave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { buildFrame } from '../../src/hub/frame';
import { Viewer } from '../../src/stream/viewer';

test('a frame offered after the socket was ended is not written; the viewer leaves with "client closed"', async (t) => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  t.after(() => client.destroy());
  const socket = await accepted;
  const errors: Error[] = [];
  socket.on('error', (err) => errors.push(err));
  const left: string[] = [];
  const viewer = new Viewer({ id: 1, address: '127.0.0.1', socket, maxFps: 0, latest: () => null, onClose: (_v, reason) => left.push(reason) });
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
  viewer.offer(buildFrame(1, jpeg, Date.now(), 1, 1, true, 1));
  assert.equal(viewer.sent, 1);

  socket.end(); // what Node does when the client's FIN arrives
  viewer.offer(buildFrame(2, jpeg, Date.now(), 1, 1, true, 2));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(errors.map((e) => e.message), [], 'nothing written after the end');
  assert.equal(viewer.sent, 1);
  assert.deepEqual(left, ['client closed']);
});
