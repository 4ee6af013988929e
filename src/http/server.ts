// Listens, bounds sockets (not only streams), and closes everything on shutdown.
import fs from 'node:fs';
import http from 'node:http';
import type https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type Koa from 'koa';
import type { Config } from '../config/schema';
import { CamstreamError } from '../errors';
import type { Logger } from '../log';
import { capConnectionsPerAddress } from './access-connection-cap';
import { rawRefusal } from './refuse';

export interface RunningServer {
  server: http.Server | https.Server;
  /** true when serving HTTPS (server.tls.cert/key set). */
  tls: boolean;
  port: number;
  host: string;
  /** Stop accepting, close idle sockets; after `deadlineMs`, destroy the rest. */
  close(deadlineMs: number): Promise<void>;
  readonly openSockets: number;
  /** A config reload: new timeouts and connection caps, for connections from now on. */
  applyLimits(config: Readonly<Config>['server']): void;
  /** Close every connection whose client address `drop` picks (removed from server.allow); returns how many. */
  destroyWhere(drop: (address: string) => boolean): number;
}

/** The certificate and key for server.tls, read once; a clear error naming the file if unreadable. */
function readTls(tls: Readonly<Config>['server']['tls']): { cert: Buffer; key: Buffer } | null {
  if (tls.cert === '' && tls.key === '') return null;
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new CamstreamError('CAMSTREAM_ERR_TLS', `server.tls.${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a readable PEM file`);
    }
  };
  return { cert: read(tls.cert, 'cert'), key: read(tls.key, 'key') };
}

/**
 * A request line the parser gave up on before its end: the URL itself is too long.
 * `rawPacket` is only the chunk being parsed: over TLS (16 KiB records) it may start
 * inside the URL, so a first line ending in " HTTP/x.y" that is not a whole request
 * line ("METHOD target HTTP/x.y") is the tail of an overlong URL too.
 */
function urlOverflowed(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): boolean {
  const raw = err.rawPacket;
  if (!raw) return false;
  const eol = raw.indexOf('\r\n');
  if (eol < 0 || eol > 8192) return true;
  const first = raw.subarray(0, eol).toString('latin1');
  return / HTTP\/\d\.\d$/.test(first) && !/^[A-Z]+ \S+ HTTP\/\d\.\d$/.test(first);
}

export async function listen(app: Koa, config: Readonly<Config>['server'], log: Logger): Promise<RunningServer> {
  const options: http.ServerOptions = {
    // Slowloris: a client has this long to finish its headers / request...
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // ...checked this often (Node's default, 30 s, would let them linger far longer).
    connectionsCheckingInterval: 1000,
  };
  const tls = readTls(config.tls);
  const server = tls
    ? // A TLS handshake that never finishes must not hold a socket either.
      // node:https (and tls) only when TLS is on: ~2 MB resident a plain-HTTP Pi does not need (issue 14).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('node:https') as typeof https).createServer({ ...options, ...tls, handshakeTimeout: Math.min(config.headersTimeoutMs, 10000) }, app.callback())
    : http.createServer(options, app.callback());
  // Before anything else sees a connection: one address cannot take every place.
  const cap = capConnectionsPerAddress(server, config.maxConnectionsPerIp, log);
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
    const answer =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? urlOverflowed(err)
          ? rawRefusal(414, 'CAMSTREAM_ERR_URI_TOO_LONG', `URL too long: expected a request line under ${http.maxHeaderSize} bytes`)
          : rawRefusal(431, 'CAMSTREAM_ERR_HEADERS_TOO_LARGE', `request headers too large: expected under ${http.maxHeaderSize} bytes in all`)
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? rawRefusal(408, 'CAMSTREAM_ERR_REQUEST_TIMEOUT', `request not received in time: expected the whole request within server.headersTimeoutMs / requestTimeoutMs`)
          : rawRefusal(400, 'CAMSTREAM_ERR_MALFORMED_REQUEST', `malformed HTTP request (${err.code ?? 'parse error'}): expected "METHOD /path HTTP/1.1" and "Name: value" header lines`);
    socket.end(answer);
    socket.destroySoon?.();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: when a burst of connects (a flood, or every viewer coming
    // back after a restart) overflows it, the kernel drops SYNs and honest clients wait
    // out a 1 s retransmit. The kernel caps it at net.core.somaxconn (4096 on Linux 5.4+).
    server.listen({ port: config.port, host: config.host, backlog: 2048 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  log.info({ host: addr.address, port: addr.port, tls: tls !== null }, 'listening');
  let closing: Promise<void> | null = null;
  return {
    server,
    tls: tls !== null,
    port: addr.port,
    host: addr.address,
    get openSockets() {
      return sockets.size;
    },
    applyLimits(c) {
      server.headersTimeout = c.headersTimeoutMs;
      server.requestTimeout = c.requestTimeoutMs;
      server.keepAliveTimeout = c.keepAliveTimeoutMs;
      server.maxConnections = c.maxConnections;
      cap.setMax(c.maxConnectionsPerIp);
    },
    destroyWhere(drop) {
      let n = 0;
      for (const s of sockets) {
        const a = s.remoteAddress;
        if (a !== undefined && drop(a.startsWith('::ffff:') ? a.slice(7) : a)) {
          s.destroy();
          n++;
        }
      }
      return n;
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
