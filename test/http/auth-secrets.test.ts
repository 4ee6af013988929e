// What the auth code does with secrets: compares them in constant time, runs scrypt
// once per credential (not per request) thanks to the verification cache, and never
// writes a password or token to the log — checked by capturing the log stream.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { hashPassword } from '../../src/auth/scrypt';
import { capturingLogger, startServer, waitFor } from '../helpers/camstream';
import { basic, probe } from '../helpers/raw-http';

const camera = { source: 'testpattern', width: 160, height: 120, fps: 10, quality: 60 };
const PASSWORD = 'S3cret-Pa55word-never-logged';
const WRONG = 'Wr0ng-Pa55word-never-logged';
const TOKEN = 'T0ken-never-logged-0123456789';

test('scrypt runs once per credential, not once per request; crypto.timingSafeEqual compares equal-length digests', async (t) => {
  const scrypt = mock.method(crypto, 'scrypt');
  const tse = mock.method(crypto, 'timingSafeEqual');
  t.after(() => mock.restoreAll());
  const passwordHash = await hashPassword(PASSWORD);
  const { base } = await startServer(t, {
    camera,
    auth: { users: [{ name: 'ana', passwordHash }], tokens: [{ name: 'nvr', token: TOKEN }], verifyCacheMs: 1500, lockout: { maxFailures: 0, delayAfter: 100 } },
  });
  await waitFor(async () => (await probe(`${base}/healthz`, { headers: { Authorization: basic('ana', PASSWORD) } })).status === 200, 8000, 'first frame');
  scrypt.mock.resetCalls();
  tse.mock.resetCalls();

  // A snapshot poller: 15 requests with the same credentials.
  for (let i = 0; i < 15; i++) assert.equal((await probe(`${base}/snapshot`, { headers: { Authorization: basic('ana', PASSWORD) } })).status, 200);
  assert.equal(scrypt.mock.callCount(), 0, 'verified within verifyCacheMs: served from the cache');

  // A wrong password is never cached: each attempt costs one scrypt, compared in constant time.
  for (let i = 0; i < 3; i++) assert.equal((await probe(`${base}/snapshot`, { headers: { Authorization: basic('ana', WRONG) } })).status, 401);
  assert.equal(scrypt.mock.callCount(), 3);
  const pwCompares = tse.mock.calls.filter((c) => (c.arguments[0] as Buffer).length === 32);
  assert.ok(pwCompares.length >= 3, 'derived keys compared with timingSafeEqual');
  for (const c of tse.mock.calls) {
    const [a, b] = c.arguments as [Buffer, Buffer];
    assert.ok(Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.length === b.length, 'fixed-length inputs');
  }

  // Tokens: digests of any length of input are compared, one call per configured token.
  tse.mock.resetCalls();
  assert.equal((await probe(`${base}/snapshot`, { headers: { Authorization: 'Bearer x' } })).status, 403);
  assert.equal((await probe(`${base}/snapshot`, { headers: { Authorization: `Bearer ${TOKEN}${'y'.repeat(500)}` } })).status, 403);
  assert.equal(tse.mock.callCount(), 2);
  assert.ok(tse.mock.calls.every((c) => (c.arguments[0] as Buffer).length === 32 && (c.arguments[1] as Buffer).length === 32));

  // An unknown user name costs a scrypt too (timing does not reveal which names exist).
  scrypt.mock.resetCalls();
  assert.equal((await probe(`${base}/snapshot`, { headers: { Authorization: basic('mallory', PASSWORD) } })).status, 401);
  assert.equal(scrypt.mock.callCount(), 1);

  // After verifyCacheMs the right password is verified again, once.
  scrypt.mock.resetCalls();
  await new Promise((r) => setTimeout(r, 1600));
  for (let i = 0; i < 3; i++) assert.equal((await probe(`${base}/snapshot`, { headers: { Authorization: basic('ana', PASSWORD) } })).status, 200);
  assert.equal(scrypt.mock.callCount(), 1);
});

test('passwords and tokens never reach the log, whichever way they are sent and whatever fails', async (t) => {
  const { log, lines } = capturingLogger('trace');
  const { base } = await startServer(
    t,
    {
      camera,
      log: { level: 'trace' },
      auth: { users: [{ name: 'ana', passwordHash: await hashPassword(PASSWORD) }], tokens: [{ name: 'nvr', token: TOKEN }], lockout: { delayAfter: 100, maxFailures: 4, durationMs: 1000 } },
    },
    { log },
  );
  await waitFor(async () => (await probe(`${base}/healthz?token=${TOKEN}`)).status === 200, 8000, 'first frame');
  const send = (path: string, headers: Record<string, string> = {}) => probe(base + path, { headers, maxBody: 2000 });
  await send('/snapshot', { Authorization: basic('ana', PASSWORD) });
  await send(`/stream?fps=3&token=${TOKEN}`);
  await send(`/stream?fps=abc&token=${TOKEN}`); // a 400 after auth: the URL must not be logged with its token
  await send('/api/status', { 'X-Camstream-Token': TOKEN });
  await send('/snapshot', { Authorization: `Bearer ${TOKEN}` });
  await send(`/nope?token=${TOKEN}`);
  await send(`/api/status?%74oken=${TOKEN}`);
  await send(`/snapshot?token=${WRONG}`);
  await send('/snapshot', { Authorization: basic('ana', WRONG) });
  await send('/snapshot', { Authorization: basic(PASSWORD, WRONG) }); // the password typed into the user field
  await send('/snapshot', { Authorization: basic('ana', WRONG) }); // 4th failure: lockout, logged at warn
  await send('/snapshot', { Authorization: basic('ana', PASSWORD) }); // refused while locked

  // Should anyone log the config, its auth section, or request headers, the secrets stay out.
  const { log: direct, lines: directLines } = capturingLogger('info');
  const authSection = { users: [{ name: 'ana', passwordHash: 'scrypt$1$1$1$c2FsdA$' + PASSWORD }], tokens: [{ name: 'nvr', token: TOKEN }] };
  direct.info({ config: { auth: authSection } }, 'config');
  direct.info({ auth: authSection }, 'auth section');
  direct.info({ req: { headers: { authorization: basic('ana', PASSWORD), 'x-camstream-token': TOKEN } } }, 'request');
  const directText = JSON.stringify(directLines());
  assert.equal(directLines().length, 3);
  for (const secret of [PASSWORD, TOKEN]) assert.ok(!directText.includes(secret), `redact list misses a secret: ${directText}`);

  const all = lines();
  const text = JSON.stringify(all);
  for (const secret of [PASSWORD, WRONG, TOKEN, basic('ana', PASSWORD).slice(6), basic('ana', WRONG).slice(6)]) {
    assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 4)}…) appears in the log: ${all.filter((l) => JSON.stringify(l).includes(secret)).map((l) => JSON.stringify(l).slice(0, 300)).join(" | ")}`);
  }
  // The log still says what happened, with who and from where.
  const failed = all.filter((l) => l.msg === 'authentication failed');
  assert.ok(failed.length >= 3, `failures logged: ${failed.length}`);
  assert.ok(failed.some((l) => l.user === 'ana' && l.address === '127.0.0.1' && l.code === 'CAMSTREAM_ERR_AUTH_FAILED'));
  assert.ok(all.some((l) => l.level === 40 && l.code === 'CAMSTREAM_ERR_LOCKED_OUT'), 'lockout logged at warn');
  assert.ok(all.some((l) => l.msg === 'authenticated' && l.via === 'query'), 'successes logged at debug, naming how');
});
