// server.allow: the client networks allowed to connect at all (CIDR), checked before
// authentication. Empty = everyone. Uses node:net's BlockList, which also matches
// IPv4-mapped IPv6 peers (::ffff:192.168.1.5) against IPv4 networks.
import net from 'node:net';
import type Koa from 'koa';
import type { Logger } from '../log';
import { clientAddress } from './client-address';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** "192.168.1.0/24", "fd00::/8", or a bare address (= /32 or /128). Throws "expected …". */
export function parseCidr(s: string): Cidr {
  const slash = s.indexOf('/');
  const address = (slash < 0 ? s : s.slice(0, slash)).trim();
  const v = net.isIP(address);
  if (v === 0) throw new Error(`expected an IPv4 or IPv6 network such as "192.168.1.0/24", got ${JSON.stringify(s)}`);
  const max = v === 4 ? 32 : 128;
  const rawPrefix = slash < 0 ? String(max) : s.slice(slash + 1).trim();
  const prefix = /^\d{1,3}$/.test(rawPrefix) ? Number(rawPrefix) : NaN;
  if (!(prefix >= 0 && prefix <= max)) throw new Error(`expected a prefix length 0..${max} after the slash, got ${JSON.stringify(s)}`);
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

export class AccessList {
  private readonly list = new net.BlockList();
  readonly empty: boolean;

  constructor(cidrs: readonly string[]) {
    for (const c of cidrs) {
      const { address, prefix, family } = parseCidr(c);
      this.list.addSubnet(address, prefix, family);
    }
    this.empty = cidrs.length === 0;
  }

  allows(address: string): boolean {
    if (this.empty) return true;
    const v = net.isIP(address);
    if (v === 0) return false;
    return this.list.check(address, v === 4 ? 'ipv4' : 'ipv6');
  }
}

/** 403 for clients outside server.allow; runs before authentication. */
export function accessListMiddleware(allow: readonly string[], log: Logger): Koa.Middleware {
  const list = new AccessList(allow);
  if (list.empty) return (_ctx, next) => next();
  const l = log.child({ module: 'access' });
  return async (ctx, next) => {
    const address = clientAddress(ctx.req);
    if (list.allows(address)) return next();
    l.debug({ address, code: 'CAMSTREAM_ERR_FORBIDDEN_NETWORK' }, 'client outside server.allow refused');
    ctx.status = 403;
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/plain';
    ctx.body = `${address} is not in an allowed network (server.allow) (CAMSTREAM_ERR_FORBIDDEN_NETWORK)\n`;
  };
}
