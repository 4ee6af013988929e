import type { IncomingMessage } from 'node:http';

/** The peer address, with IPv4-mapped IPv6 ("::ffff:1.2.3.4") folded to IPv4 so per-IP caps count one client once. */
export function clientAddress(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? 'unknown';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
