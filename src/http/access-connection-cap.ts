// Per-address cap on open TCP connections, enforced the moment a connection arrives
// (before any HTTP parsing or TLS handshake). server.maxConnections bounds the total;
// this keeps one host that floods the port from taking every one of those places,
// so other viewers, snapshot pollers and monitors still get in.
import type net from 'node:net';
import type { Logger } from '../log';
import { monotonicNow } from '../clock';

export interface ConnectionCap {
  /** Open connections per address right now. */
  readonly perAddress: ReadonlyMap<string, number>;
  readonly refused: number;
  /** server.maxConnectionsPerIp changed (config reload): applies to new connections. */
  setMax(max: number): void;
}

const fold = (a: string | undefined) => (a === undefined ? 'unknown' : a.startsWith('::ffff:') ? a.slice(7) : a);

export function capConnectionsPerAddress(server: net.Server, max: number, log: Logger): ConnectionCap {
  const open = new Map<string, number>();
  let limit = max;
  let refused = 0;
  let refusedSinceLog = 0;
  let lastLog = -Infinity;
  // prepend: run before http/tls set the socket up, so a refused one costs nothing more.
  server.prependListener('connection', (socket: net.Socket) => {
    const address = fold(socket.remoteAddress);
    const n = open.get(address) ?? 0;
    if (n >= limit) {
      refused++;
      refusedSinceLog++;
      socket.destroy();
      // One warning a minute at most: a flood must not become a log flood.
      const t = monotonicNow();
      if (t - lastLog > 60000) {
        log.warn({ address, max: limit, refused: refusedSinceLog, code: 'CAMSTREAM_ERR_TOO_MANY_CONNECTIONS' }, 'connections over server.maxConnectionsPerIp closed');
        lastLog = t;
        refusedSinceLog = 0;
      }
      return;
    }
    open.set(address, n + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
  return {
    perAddress: open,
    get refused() {
      return refused;
    },
    setMax(n: number) {
      limit = n;
    },
  };
}
