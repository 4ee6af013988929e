// Repeated wrong credentials from one address: answers slow down, then the address is
// locked out (429 + Retry-After, right credentials included), other addresses are not
// affected, and the lockout expires on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/auth/scrypt';
import { startServer, waitFor } from '../helpers/camstream';
import { basic, probe } from '../helpers/raw-http';

const camera = { source: 'testpattern', width: 160, height: 120, fps: 10, quality: 60 };
const PASSWORD = 'lockout-test-password';
const TOKEN = 'lockout-test-token-0123456789';

test('delay after 2 failures, lockout at 5, other addresses unaffected, expiry after durationMs', async (t) => {
  const { base } = await startServer(t, {
    camera,
    auth: {
      users: [{ name: 'ana', passwordHash: await hashPassword(PASSWORD) }],
      tokens: [{ name: 'nvr', token: TOKEN }],
      lockout: { delayAfter: 2, delayMs: 400, maxFailures: 5, durationMs: 2000, windowMs: 60000 },
    },
  });
  const attempt = async (path: string, headers: Record<string, string>, localAddress?: string) => {
    const t0 = performance.now();
    const r = await probe(base + path, { headers, localAddress, maxBody: 1, timeoutMs: 8000 });
    return { ...r, ms: performance.now() - t0 };
  };
  // No credentials at all is how every browser starts: never counted.
  for (let i = 0; i < 8; i++) assert.equal((await attempt('/snapshot', {})).status, 401);

  const wrong = [
    await attempt('/snapshot', { Authorization: basic('ana', 'guess-1') }),
    await attempt('/stream', { Authorization: `Bearer ${TOKEN}-guess` }),
    await attempt('/api/status', { Authorization: basic('ana', 'guess-3') }),
    await attempt('/?action=snapshot', { 'X-Camstream-Token': 'guess-4-guess-4-guess-4' }),
  ];
  assert.deepEqual(wrong.map((r) => r.status), [401, 403, 401, 403]);
  // The 3rd and 4th failures were held back by delayMs.
  assert.ok(wrong[2].ms >= 380 && wrong[3].ms >= 380, `delayed answers: ${wrong.map((r) => r.ms.toFixed(0)).join(', ')} ms`);

  const fifth = await attempt('/snapshot', { Authorization: basic('ana', 'guess-5') });
  assert.equal(fifth.status, 429, 'the 5th failure locks the address');
  assert.ok(Number(fifth.headers['retry-after']) >= 1, 'Retry-After says when to come back');
  assert.match(fifth.body.toString() + (await probe(`${base}/snapshot`, { headers: { Authorization: basic('ana', PASSWORD) } })).body.toString(), /locked out/);

  // While locked: right credentials, tokens and every route are refused.
  for (const [path, headers] of [
    ['/snapshot', { Authorization: basic('ana', PASSWORD) }],
    ['/stream', { Authorization: `Bearer ${TOKEN}` }],
    [`/?action=stream&token=${TOKEN}`, {}],
    ['/healthz', {}],
  ] as [string, Record<string, string>][]) {
    const r = await attempt(path, headers);
    assert.equal(r.status, 429, `${path} while locked out`);
    assert.ok(Number(r.headers['retry-after']) >= 1 && Number(r.headers['retry-after']) <= 2, `Retry-After ${r.headers['retry-after']}`);
  }
  // Another address (127.0.0.2 is loopback too) is not locked out.
  assert.equal((await attempt('/snapshot', { Authorization: basic('ana', PASSWORD) }, '127.0.0.2')).status, 200);

  // The lockout expires by itself.
  const after = await waitFor(async () => {
    const r = await attempt('/snapshot', { Authorization: basic('ana', PASSWORD) });
    return r.status === 200 ? r : null;
  }, 6000, 'lockout to expire');
  assert.equal(after?.status, 200);
  // ...with a clean count: one wrong attempt now is a plain 401, not a lockout.
  assert.equal((await attempt('/snapshot', { Authorization: basic('ana', 'guess-6') })).status, 401);
});
