// server.allow: the client networks allowed to connect at all (CIDR), checked before
// authentication. Empty = everyone. Uses node:net's BlockList, which also matches
// IPv4-mapped IPv6 peers (::ffff:192.168.1.5) against IPv4 networks.
import net from 'node:net';
import type Koa from 'koa';
import type { Logger } from '../log';
import { clientAddress } from './client-address';
import { parseCidr } from '../net/cidr';
import { refuse } from './refuse';

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
    refuse(ctx, 403, 'CAMSTREAM_ERR_FORBIDDEN_NETWORK', `${address} is not in an allowed network (server.allow)`);
  };
}
