// Issue 14: a viewer's part goes straight to the kernel with write(2) when nothing is
// queued before it (src/stream/direct-write.ts); what the kernel does not take, and any
// TLS socket, goes through socket.write. Over real sockets: which path each part takes,
// and that every client reads exactly the parts, in order.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { buildFrame, type Frame } from '../../src/hub/frame';
import { Viewer } from '../../src/stream/viewer';
import { wireOf } from '../../src/stream/wire';
import { waitFor } from '../helpers/camstream';
import { selfSignedCert } from '../helpers/self-signed-cert';
import { connectTo, loopbackServer, writeObserver } from '../helpers/loopback-sockets';

/** A "JPEG" of `size` bytes, distinct per seq (the viewer does not decode it). */
function frame(seq: number, size: number): Frame {
  const jpeg = Buffer.alloc(size, seq & 0xff);
  jpeg[0] = 0xff;
  jpeg[1] = 0xd8;
  jpeg[size - 2] = 0xff;
  jpeg[size - 1] = 0xd9;
  return buildFrame(seq, jpeg, Date.now(), 1, 1, true, seq);
}

interface Paths {
  /** Bytes written with write(2) to this socket's descriptor. */
  direct: number;
  /** Chunks that went through socket.write. */
  streamed: Buffer[];
}

/** Count what goes each way for `socket`. */
function watch(t: TestContext, socket: net.Socket): Paths {
  const paths: Paths = { direct: 0, streamed: [] };
  writeObserver(t)(socket, { direct: (_buf, taken) => (paths.direct += taken), streamed: (chunk) => paths.streamed.push(Buffer.from(chunk)) });
  return paths;
}

async function tcpPair(t: TestContext) {
  return connectTo(t, await loopbackServer(t));
}

function viewerOn(socket: net.Socket, latest: () => Frame | null = () => null): Viewer {
  return new Viewer({ id: 1, address: '127.0.0.1', socket, maxFps: 0, latest, onClose: () => {} });
}

test('plain TCP: each part goes to the kernel with write(2), none through socket.write', async (t) => {
  const { socket, received } = await tcpPair(t);
  const paths = watch(t, socket);
  const viewer = viewerOn(socket);
  const expected: Buffer[] = [];
  for (let seq = 1; seq <= 3; seq++) {
    const f = frame(seq, 30000);
    viewer.offer(f);
    expected.push(Buffer.from(wireOf(f)));
    const total = expected.reduce((n, b) => n + b.length, 0);
    await waitFor(() => received().length >= total, 10000, 'the client to read the part');
  }
  assert.equal(viewer.sent, 3);
  assert.equal(paths.streamed.length, 0, 'nothing through socket.write');
  assert.equal(paths.direct, Buffer.concat(expected).length, 'every byte written directly');
  assert.ok(received().equals(Buffer.concat(expected)));
});

test('a client that does not read: the kernel takes part of a frame, the rest goes through socket.write, the newest frame follows, and the client reads every byte in order', async (t) => {
  const { socket, client, received } = await tcpPair(t);
  client.pause();
  const paths = watch(t, socket);
  let newest: Frame | null = null;
  const viewer = viewerOn(socket, () => newest);
  // Far more than loopback's socket buffers hold while the client reads nothing.
  const first = frame(1, 32 * 1024 * 1024);
  viewer.offer(first);
  assert.ok(paths.direct > 0 && paths.direct < wireOf(first).length, `the kernel took part of the frame directly (${paths.direct} bytes)`);
  assert.equal(paths.streamed.length, 1, 'the rest went through socket.write');
  assert.ok(paths.streamed[0].equals(wireOf(first).subarray(paths.direct)), 'exactly the rest, from where the kernel stopped');
  // A frame while the first is still queued is skipped (the viewer is behind) and the
  // newest one goes out once the queue has drained.
  const second = frame(2, 1000);
  newest = second;
  viewer.offer(second);
  assert.equal(viewer.dropped, 1);
  client.resume();
  const expected = Buffer.concat([wireOf(first), wireOf(second)]);
  await waitFor(() => received().length >= expected.length, 30000, 'the client to read both parts');
  assert.equal(viewer.sent, 2);
  assert.ok(received().equals(expected), 'both parts whole and in order');
});

test('TLS: parts go through the TLS socket, never straight to its descriptor', async (t) => {
  const { dir, cert, key } = selfSignedCert();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const server = tls.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const accepted = new Promise<tls.TLSSocket>((r) => server.once('secureConnection', r));
  const client = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', ca: fs.readFileSync(cert), servername: 'localhost' });
  t.after(() => client.destroy());
  const chunks: Buffer[] = [];
  client.on('data', (c: Buffer) => chunks.push(c));
  const socket = await accepted;
  t.after(() => socket.destroy());
  // The TCP socket under the TLS one: its descriptor must see no plaintext write.
  let directToTlsFd = 0;
  const writeSync = fs.writeSync;
  t.mock.method(fs, 'writeSync', (f: number, buf: Buffer, ...rest: unknown[]) => {
    directToTlsFd++;
    return (writeSync as (...a: unknown[]) => number)(f, buf, ...rest);
  });
  const viewer = viewerOn(socket);
  const f = frame(1, 30000);
  viewer.offer(f);
  const expected = Buffer.from(wireOf(f));
  await waitFor(() => Buffer.concat(chunks).length >= expected.length, 10000, 'the TLS client to read the part');
  assert.equal(directToTlsFd, 0, 'no write(2) around TLS');
  assert.ok(Buffer.concat(chunks).equals(expected), 'the client decrypted exactly the part');
});
