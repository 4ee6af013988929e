// server.allow matching, IPv4 and IPv6, without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessList } from '../../src/http/access-list';
import { parseCidr } from '../../src/net/cidr';

test('AccessList: empty allows all; IPv4, IPv6 and bare addresses match as networks', () => {
  assert.equal(new AccessList([]).allows('203.0.113.9'), true);
  const l = new AccessList(['192.168.1.0/24', '10.1.2.3', 'fd00::/8', '::1']);
  const cases: [string, boolean][] = [
    ['192.168.1.77', true], ['192.168.2.1', false], ['10.1.2.3', true], ['10.1.2.4', false],
    ['fd12:3456::1', true], ['fe80::1', false], ['::1', true], ['::2', false],
    // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d.
    ['::ffff:192.168.1.5', true], ['::ffff:192.168.9.5', false],
    ['not-an-address', false], ['', false],
  ];
  for (const [addr, want] of cases) assert.equal(l.allows(addr), want, addr);
  assert.equal(new AccessList(['0.0.0.0/0']).allows('198.51.100.1'), true);
});

test('parseCidr: bare addresses are single hosts; bad ones say what was expected', () => {
  assert.deepEqual(parseCidr('10.0.0.1'), { address: '10.0.0.1', prefix: 32, family: 'ipv4' });
  assert.deepEqual(parseCidr('2001:db8::/32'), { address: '2001:db8::', prefix: 32, family: 'ipv6' });
  assert.throws(() => parseCidr('10.0.0.0/'), /expected a prefix length 0\.\.32 after the slash, got "10\.0\.0\.0\/"/);
  assert.throws(() => parseCidr('fd00::/129'), /expected a prefix length 0\.\.128/);
  assert.throws(() => parseCidr('192.168.1.0/24/8'), /expected a prefix length/);
  assert.throws(() => parseCidr('lan'), /expected an IPv4 or IPv6 network such as "192\.168\.1\.0\/24", got "lan"/);
});
