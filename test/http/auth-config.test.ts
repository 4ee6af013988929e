// The access-control config keys: bad values are refused at start-up with a line that
// names the key and says what was expected — and never repeats a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load';
import { ConfigError } from '../../src/errors';
import { hashPassword } from '../../src/auth/scrypt';

function file(content: unknown): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-authcfg-')), 'camstream.json');
  fs.writeFileSync(f, JSON.stringify(content));
  return f;
}
function problems(content: unknown, env: Record<string, string> = {}): string {
  try {
    loadConfig({ path: file(content), env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems.join('\n');
  }
  return assert.fail('expected the config to be rejected');
}

test('defaults: auth off, everyone allowed, plain HTTP, frames from own origin only', () => {
  const { config } = loadConfig({ path: file({}), env: {} });
  assert.deepEqual(config.auth.users, []);
  assert.deepEqual(config.auth.tokens, []);
  assert.equal(config.auth.healthzOpen, false);
  assert.deepEqual(config.server.allow, []);
  assert.deepEqual(config.server.tls, { cert: '', key: '' });
  assert.deepEqual(config.http.frameAncestors, ["'self'"]);
});

test('a working auth section loads, from the file and from env', async () => {
  const passwordHash = await hashPassword('config-password-1');
  const { config } = loadConfig({
    path: file({ auth: { users: [{ name: 'ana', passwordHash }], tokens: [{ name: 'octoprint', token: 'a'.repeat(32) }], realm: 'Garage' } }),
    env: {},
  });
  assert.equal(config.auth.users[0].name, 'ana');
  assert.equal(config.auth.realm, 'Garage');
  const fromEnv = loadConfig({
    path: file({}),
    env: {
      CAMSTREAM_AUTH_TOKENS: JSON.stringify([{ name: 'nvr', tokenHash: `sha256$${'0'.repeat(64)}` }]),
      CAMSTREAM_SERVER_ALLOW: '192.168.1.0/24, fd00::/8',
      CAMSTREAM_HTTP_FRAME_ANCESTORS: "'self',http://homeassistant.local:8123",
    },
  }).config;
  assert.equal(fromEnv.auth.tokens[0].name, 'nvr');
  assert.deepEqual(fromEnv.server.allow, ['192.168.1.0/24', 'fd00::/8']);
  assert.deepEqual(fromEnv.http.frameAncestors, ["'self'", 'http://homeassistant.local:8123']);
});

test('bad users: not a scrypt hash, a plain password field, duplicate or odd names', async () => {
  const good = await hashPassword('config-password-1');
  const p1 = problems({ auth: { users: [{ name: 'ana', passwordHash: 'hunter2-in-the-clear' }] } });
  assert.match(p1, /auth\.users: entry 1 of 1 \("ana"\) has a bad "passwordHash": expected 6 "\$"-separated fields like scrypt\$16384\$8\$1\$<salt>\$<hash> \(make one with camstream hash-password\)/);
  assert.doesNotMatch(p1, /hunter2/, 'the value is not repeated');
  const p2 = problems({ auth: { users: [{ name: 'ana', password: 'PlainSecret99' }] } });
  assert.match(p2, /unknown field\(s\) "password".*never put a plain password here/);
  assert.doesNotMatch(p2, /PlainSecret99/);
  assert.match(problems({ auth: { users: [{ name: 'ana', passwordHash: good }, { name: 'ana', passwordHash: good }] } }), /name "ana" is used twice/);
  assert.match(problems({ auth: { users: [{ name: 'a:b', passwordHash: good }] } }), /without ":"/);
  assert.match(problems({ auth: { users: [{ name: 'ana', passwordHash: good.replace('$16384$', '$1000$') }] } }), /expected scrypt N to be a power of two/);
  assert.match(problems({ auth: { users: [{ name: 'ana', passwordHash: good.replace('$16384$8$', '$1048576$32$') }] } }), /needing at most 256 MiB/);
  // An object instead of a list must not quietly leave auth off.
  assert.match(problems({ auth: { users: { ana: good } } }), /auth\.users: users must be a JSON array/);
  assert.match(problems({ auth: { tokens: { nvr: 'd'.repeat(20) } } }), /auth\.tokens: tokens must be a JSON array/);
  assert.match(problems({ http: { frameAncestors: { a: "'self'" } } }), /http\.frameAncestors .*expected a non-empty list/);
});

test('bad tokens: too short, both or neither of token/tokenHash, a malformed hash; secrets not echoed', () => {
  const p = problems({ auth: { tokens: [{ name: 'nvr', token: 'Sh0rtTok' }] } });
  assert.match(p, /auth\.tokens: entry 1 of 1 \("nvr"\) has a "token" shorter than 16 characters/);
  assert.doesNotMatch(p, /Sh0rtTok/);
  assert.match(problems({ auth: { tokens: [{ name: 'x', token: 'b'.repeat(20), tokenHash: `sha256$${'0'.repeat(64)}` }] } }), /exactly one of "token" and "tokenHash"/);
  assert.match(problems({ auth: { tokens: [{ name: 'x' }] } }), /exactly one of "token" and "tokenHash"/);
  assert.match(problems({ auth: { tokens: [{ name: 'x', tokenHash: 'md5$abc' }] } }), /sha256\$<64 hex digits>/);
  assert.match(problems({ auth: { tokens: [{ token: 'c'.repeat(20) }] } }), /has no "name"/);
});

test('bad networks, TLS halves, frame ancestors, realm and per-address cap', () => {
  assert.match(problems({ server: { allow: ['10.0.0.300/8'] } }), /server\.allow .*expected an IPv4 or IPv6 network such as "192\.168\.1\.0\/24", got "10\.0\.0\.300\/8"/);
  assert.match(problems({ server: { allow: ['10.0.0.0/33'] } }), /expected a prefix length 0\.\.32 after the slash/);
  assert.match(problems({ server: { allow: { home: '10.0.0.0/8' } } }), /server\.allow .*expected a list of networks/);
  // A string is read as a comma-separated list, as from env.
  assert.deepEqual(loadConfig({ path: file({ server: { allow: '10.0.0.0/8, 127.0.0.1' } }), env: {} }).config.server.allow, ['10.0.0.0/8', '127.0.0.1']);
  assert.match(problems({ server: { tls: { cert: '/etc/ssl/cam.pem' } } }), /server\.tls: expected both cert and key paths .* got only cert/);
  assert.match(problems({ http: { frameAncestors: ["'self'; script-src *"] } }), /http\.frameAncestors .*expected each entry to be "'self'", "'none'", "\*" or a host/);
  assert.match(problems({ http: { frameAncestors: ["'none'", "'self'"] } }), /expected "'none'" alone/);
  assert.match(problems({ http: { frameAncestors: [] } }), /expected a non-empty list/);
  assert.match(problems({ auth: { realm: 'my "cam"' } }), /auth\.realm .*expected 1\.\.100 printable characters without quotes/);
  assert.match(problems({ server: { maxConnectionsPerIp: 4 }, stream: { maxClientsPerIp: 6 } }), /server\.maxConnectionsPerIp: expected more than stream\.maxClientsPerIp \(6/);
  assert.match(problems({ auth: { lockout: { durationMs: 10 } } }), /auth\.lockout\.durationMs .*expected an integer 1000\.\.86400000/);
});
