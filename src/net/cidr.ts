// CIDR networks as the config writes them ("192.168.1.0/24", "fd00::/8", a bare
// address). Shared by config validation (server.allow) and the HTTP access list, so
// neither layer imports the other.
import net from 'node:net';

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
