import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Limiter } from '../../src/auth/limiter';
import { TokenSet, sha256, tokenEntryProblem } from '../../src/auth/tokens';
import { VerifyCache } from '../../src/auth/verify-cache';

test('Limiter runs at most `parallel` at once, queues a few, refuses past the queue', async () => {
  const l = new Limiter(1, 2);
  let running = 0;
  let peak = 0;
  const releases: (() => void)[] = [];
  const job = () =>
    l.run(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => releases.push(r));
      running--;
      return 'done';
    });
  const a = job();
  const b = job();
  const c = job();
  assert.equal(await job(), null, 'the 4th is refused: 1 running + 2 queued');
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    releases.shift()!();
  }
  assert.deepEqual(await Promise.all([a, b, c]), ['done', 'done', 'done']);
  assert.equal(peak, 1);
  assert.equal(await l.run(async () => 'again'), 'again', 'places are given back');
});

test('VerifyCache keeps successes for ttlMs, keyed by an HMAC (never the credential), bounded', () => {
  const t = { now: 0 };
  const c = new VerifyCache(1000, 3, () => t.now);
  const k = c.key('basic', 'ana\0secret');
  assert.ok(!k.includes('secret'));
  assert.notEqual(k, new VerifyCache(1000).key('basic', 'ana\0secret'), 'a fresh HMAC key per process');
  c.set(k, 'ana');
  assert.equal(c.get(k), 'ana');
  t.now += 1000;
  assert.equal(c.get(k), null);
  for (let i = 0; i < 10; i++) c.set(c.key('basic', String(i)), 'x');
  assert.equal(c.get(c.key('basic', '0')), null, 'oldest evicted');
  assert.equal(c.get(c.key('basic', '9')), 'x');
  const off = new VerifyCache(0);
  off.set(k, 'ana');
  assert.equal(off.get(k), null, 'ttl 0 = no cache');
});

test('TokenSet matches plain and hashed tokens by name; entries are checked', () => {
  const set = new TokenSet([
    { name: 'octoprint', token: 'o'.repeat(20) },
    { name: 'nvr', tokenHash: `sha256$${sha256('n'.repeat(20)).toString('hex')}` },
  ]);
  assert.equal(set.match('o'.repeat(20)), 'octoprint');
  assert.equal(set.match('n'.repeat(20)), 'nvr');
  assert.equal(set.match('o'.repeat(19)), null);
  assert.equal(set.match(''), null);
  assert.equal(tokenEntryProblem({ name: 'a', token: 'x'.repeat(16) }), null);
  assert.match(String(tokenEntryProblem({ name: 'a', token: 'x'.repeat(15) })), /shorter than 16/);
  assert.match(String(tokenEntryProblem({ name: 'a', token: 'x'.repeat(16), extra: 1 })), /unknown field/);
  assert.match(String(tokenEntryProblem('tok')), /not an object/);
});
