// Listens, bounds sockets (not only streams), and closes everything on shutdown.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type Koa from 'koa';
import type { Config } from '../config/schema';
import type { Logger } from '../log';

export interface RunningServer {
  server: http.Server;
  port: number;
  host: string;
  /** Stop accepting, close idle sockets; after `deadlineMs`, destroy the rest. */
  close(deadlineMs: number): Promise<void>;
  readonly openSockets: number;
}

export async function listen(app: Koa, config: Readonly<Config>['server'], log: Logger): Promise<RunningServer> {
  const server = http.createServer(
    {
      // Slowloris: a client has this long to finish its headers / request...
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      // ...checked this often (Node's default, 30 s, would let them linger far longer).
      connectionsCheckingInterval: 1000,
    },
    app.callback(),
  );
  // Past this many sockets Node closes new connections at once: a flood of idle or
  // half-open connections cannot run the process out of memory or descriptors.
  server.maxConnections = config.maxConnections;
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // Malformed requests, oversized headers, timeouts: answer if we can, then drop.
    if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroySoon?.();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  log.info({ host: addr.address, port: addr.port }, 'listening');
  let closing: Promise<void> | null = null;
  return {
    server,
    port: addr.port,
    host: addr.address,
    get openSockets() {
      return sockets.size;
    },
    close(deadlineMs: number) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          // Streaming sockets must be destroyed, not merely unref'd, or close() never calls back.
          for (const s of sockets) s.destroy();
        }, deadlineMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
