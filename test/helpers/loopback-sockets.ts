// Real loopback TCP (or TLS) connections for tests of what the stream path writes: a server on
// 127.0.0.1:0, connections whose server side the test hands to a Viewer, and an observer
// of each write to those sockets, whichever way it goes (straight to the descriptor with
// fs.writeSync, src/stream/direct-write.ts, or through socket.write).
import type { TestContext } from 'node:test';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { FrameHub } from '../../src/hub/frame-hub';
import { silentLogger } from '../../src/log';
import { Viewers } from '../../src/stream/viewers';

/** A server on 127.0.0.1:0; with `secure` (a certificate and key, PEM) a TLS server. */
export async function loopbackServer(t: TestContext, secure?: { cert: Buffer; key: Buffer }): Promise<net.Server> {
  const server = secure ? tls.createServer(secure) : net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return server;
}

/** A client connected to `server` (over TLS if it is a TLS server): the server's side of it, and what the client has read. */
export async function connectTo(t: TestContext, server: net.Server): Promise<{ socket: net.Socket; client: net.Socket; received: () => Buffer }> {
  const secure = server instanceof tls.Server;
  const accepted = new Promise<net.Socket>((r) => server.once(secure ? 'secureConnection' : 'connection', r));
  const port = (server.address() as net.AddressInfo).port;
  const client = secure ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  t.after(() => client.destroy());
  const chunks: Buffer[] = [];
  client.on('data', (c: Buffer) => chunks.push(c));
  const socket = await accepted;
  t.after(() => socket.destroy());
  return { socket, client, received: () => Buffer.concat(chunks) };
}

export interface WriteWatch {
  /** A write(2) straight to the socket's descriptor: the buffer given, and how much of it the kernel took. */
  direct?: (buf: Buffer, taken: number) => void;
  /** A chunk handed to socket.write. */
  streamed?: (chunk: Buffer) => void;
}

/** Returns `watch(socket, handlers)`: from then on each write to that socket is reported. */
export function writeObserver(t: TestContext): (socket: net.Socket, w: WriteWatch) => void {
  const byFd = new Map<number, WriteWatch>();
  const writeSync = fs.writeSync;
  t.mock.method(fs, 'writeSync', (fd: number, buf: Buffer, ...rest: unknown[]) => {
    const taken = (writeSync as (...a: unknown[]) => number)(fd, buf, ...rest);
    byFd.get(fd)?.direct?.(buf, taken);
    return taken;
  });
  return (socket, w) => {
    byFd.set((socket as unknown as { _handle: { fd: number } })._handle.fd, w);
    const write = socket.write.bind(socket) as (chunk: Buffer, cb?: (err?: Error | null) => void) => boolean;
    (socket as unknown as { write: typeof write }).write = (chunk, cb) => {
      w.streamed?.(chunk);
      return write(chunk, cb);
    };
  };
}

/** A hub and the viewers it fans out to, started; every stream is closed when the test ends. */
export function hubWithViewers(t: TestContext, stallTimeoutMs: number): { hub: FrameHub; viewers: Viewers } {
  const hub = new FrameHub({ dropSameFrames: false, log: silentLogger() });
  const viewers = new Viewers({ hub, log: silentLogger(), stallTimeoutMs });
  viewers.start();
  t.after(() => {
    viewers.closeAll('test over', false);
    viewers.stop();
  });
  return { hub, viewers };
}
