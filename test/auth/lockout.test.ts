import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureTracker } from '../../src/auth/lockout';

const make = (t: { now: number }, extra = {}) =>
  new FailureTracker({ delayAfter: 2, delayMs: 500, maxFailures: 4, lockMs: 60000, windowMs: 10000, now: () => t.now, ...extra });

test('delays after delayAfter failures, locks at maxFailures, unlocks after lockMs with a clean count', () => {
  const t = { now: 1000 };
  const f = make(t);
  assert.deepEqual([f.fail('a'), f.fail('a')].map((r) => r.delayMs), [0, 0]);
  assert.deepEqual(f.fail('a'), { failures: 3, delayMs: 500, lockedNow: false });
  assert.deepEqual(f.state('a'), { locked: false });
  assert.equal(f.fail('a').lockedNow, true);
  assert.deepEqual(f.state('a'), { locked: true, retryAfterSec: 60 });
  assert.deepEqual(f.state('b'), { locked: false }, 'other addresses unaffected');
  t.now += 59001;
  assert.deepEqual(f.state('a'), { locked: true, retryAfterSec: 1 });
  assert.equal(f.fail('a').lockedNow, false, 'failing while locked does not extend or re-lock');
  t.now += 1000;
  assert.deepEqual(f.state('a'), { locked: false });
  assert.equal(f.fail('a').failures, 1, 'a clean count after the lockout');
});

test('failures are forgotten windowMs after the last one, and at once on success', () => {
  const t = { now: 0 };
  const f = make(t);
  f.fail('a');
  f.fail('a');
  t.now += 10001;
  assert.equal(f.fail('a').failures, 1);
  f.fail('a');
  f.succeed('a');
  assert.equal(f.fail('a').failures, 1);
});

test('maxFailures 0 never locks; the table stays bounded under address spraying', () => {
  const t = { now: 0 };
  const never = make(t, { maxFailures: 0 });
  for (let i = 0; i < 50; i++) assert.equal(never.fail('a').lockedNow, false);
  assert.deepEqual(never.state('a'), { locked: false });
  const small = make(t, { maxEntries: 100 });
  for (let i = 0; i < 5000; i++) small.fail(`fd00::${i.toString(16)}`);
  assert.ok(small.size <= 100, `entries: ${small.size}`);
});
