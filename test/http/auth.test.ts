// Access control against a real server: every route, alias, query variant, unknown
// path and method needs credentials once auth.users/auth.tokens are set; the right
// ones (Basic, Bearer, X-Camstream-Token, ?token=) get through; wrong ones do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword } from '../../src/auth/scrypt';
import { sha256 } from '../../src/auth/tokens';
import { startServer, waitFor } from '../helpers/camstream';
import { basic, probe, rawRequest } from '../helpers/raw-http';

const camera = { source: 'testpattern', width: 160, height: 120, fps: 10, quality: 60 };
const PASSWORD = 'correct-horse-battery-stäple';
const TOKEN = 'octoprint-token-0123456789abcdef';
const HASHED_TOKEN = 'nvr-token-fedcba9876543210fedcba98';

// Every URL a client could use to reach something. Routes and their aliases, query
// forms, unnormalised spellings the router may still match, unknown paths.
const URLS = [
  '/', '/?mode=snapshot', '/?action=stream', '/?action=snapshot', '/?action=stream&fps=5',
  '/stream', '/stream.mjpg', '/stream?fps=2', '/stream/', '//stream', '/%73tream', '/STREAM', '/stream;x',
  '/snapshot', '/snapshot.jpg', '/snapshot?x=1', '/api/status', '/api/status/', '/healthz', '/healthz/',
  '/metrics', '/assets/style.css', '/manifest.webmanifest', '/favicon.ico', '/nope', '/..%2fetc/passwd',
  '/?action=stream&token=', '/snapshot?token=',
];
// The routes that exist and must answer 200 once authenticated.
const REAL = ['/', '/?action=stream', '/?action=snapshot', '/stream', '/stream.mjpg', '/snapshot', '/snapshot.jpg', '/api/status', '/healthz'];

async function authServer(t: import('node:test').TestContext, auth: Record<string, unknown> = {}) {
  const passwordHash = await hashPassword(PASSWORD);
  return startServer(t, {
    camera,
    auth: {
      realm: 'Test Camera',
      users: [{ name: 'ana', passwordHash }],
      tokens: [{ name: 'octoprint', token: TOKEN }, { name: 'nvr', tokenHash: `sha256$${sha256(HASHED_TOKEN).toString('hex')}` }],
      // These tests send many wrong credentials on purpose: no lockout, no delay here
      // (test/http/auth-lockout.test.ts covers those).
      lockout: { maxFailures: 0, delayAfter: 1000 },
      ...auth,
    },
  });
}

const get = (base: string, path: string, headers: Record<string, string> = {}, method = 'GET') =>
  probe(base + path, { headers, method, maxBody: 1, timeoutMs: 8000 });

test('without credentials every URL, alias, variant and method answers 401 with a Basic challenge', async (t) => {
  const { base } = await authServer(t);
  for (const path of URLS) {
    const r = await get(base, path);
    assert.equal(r.status, 401, `GET ${path}`);
    const challenge = String(r.headers['www-authenticate']);
    assert.match(challenge, /Basic realm="Test Camera", charset="UTF-8"/, `GET ${path}: phones prompt on a Basic challenge`);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  }
  for (const method of ['HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']) {
    for (const path of ['/stream', '/snapshot', '/']) {
      assert.equal((await get(base, path, {}, method)).status, 401, `${method} ${path}`);
    }
  }
  // Paths a client library would normalise away, sent byte for byte.
  for (const target of ['/healthz/../snapshot', '/./snapshot', '/api/../stream', 'http://127.0.0.1/snapshot']) {
    const r = await rawRequest(Number(new URL(base).port), `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.ok(r.status === 401 || r.status === 400, `GET ${target}: got ${r.statusLine}`);
  }
});

test('wrong passwords get 401, wrong tokens 403, on every route, however the token is sent', async (t) => {
  const { base } = await authServer(t);
  for (const path of REAL) {
    const sep = path.includes('?') ? '&' : '?';
    const cases: [string, Record<string, string>, number][] = [
      [path, { Authorization: basic('ana', 'wrong password') }, 401],
      [path, { Authorization: basic('nobody', PASSWORD) }, 401],
      [path, { Authorization: basic('ana', '') }, 401],
      [path, { Authorization: 'Basic !!!not-base64' }, 401],
      [path, { Authorization: 'Digest username="ana"' }, 401],
      [path, { Authorization: `Bearer ${TOKEN}x` }, 403],
      [path, { 'X-Camstream-Token': TOKEN.slice(0, -1) }, 403],
      [`${path}${sep}token=${encodeURIComponent(PASSWORD)}`, {}, 403],
      // A right password is not a token, and a token is not a password.
      [path, { Authorization: `Bearer ${PASSWORD}` }, 403],
      [path, { Authorization: basic('octoprint', TOKEN) }, 401],
    ];
    for (const [url, headers, want] of cases) {
      const r = await get(base, url, headers);
      assert.equal(r.status, want, `${url} with ${JSON.stringify(headers)}`);
      if (want === 401) assert.match(String(r.headers['www-authenticate']), /^Basic /, 'a wrong password prompts again');
    }
  }
});

test('the right password, or a right token sent any of three ways, opens every route', async (t) => {
  const { base } = await authServer(t);
  await waitFor(async () => (await get(base, '/healthz', { Authorization: basic('ana', PASSWORD) })).status === 200, 8000, 'first frame');
  for (const path of REAL) {
    const sep = path.includes('?') ? '&' : '?';
    const ways: [string, Record<string, string>][] = [
      [path, { Authorization: basic('ana', PASSWORD) }],
      [path, { Authorization: `Bearer ${TOKEN}` }],
      [path, { 'X-Camstream-Token': TOKEN }],
      [`${path}${sep}token=${TOKEN}`, {}],
      [`${path}${sep}token=${HASHED_TOKEN}`, {}],
      [`${path}${sep}%74oken=${TOKEN}`, {}],
      [path, { Authorization: `bearer ${HASHED_TOKEN}` }],
    ];
    for (const [url, headers] of ways) {
      const r = await get(base, url, headers);
      assert.equal(r.status, 200, `${url} with ${Object.keys(headers).join(',') || 'query token'}`);
    }
  }
  // A stream opened with ?token= really streams: the token did not confuse ?fps.
  const s = await probe(`${base}/stream?fps=5&token=${TOKEN}`, { maxBody: 4096 });
  assert.equal(s.status, 200);
  assert.match(String(s.headers['content-type']), /^multipart\/x-mixed-replace/);
  // Wrong method with the right credentials: now the router's 405 shows.
  const post = await get(base, '/snapshot', { Authorization: basic('ana', PASSWORD) }, 'POST');
  assert.equal(post.status, 405);
  // A repeated token is a bad request, not "take the first".
  assert.equal((await get(base, `/snapshot?token=${TOKEN}&token=${TOKEN}`)).status, 400);
});

test('auth.healthzOpen leaves exactly /healthz open; its look-alikes and everything else still need credentials', async (t) => {
  const { base } = await authServer(t, { healthzOpen: true });
  const r = await waitFor(async () => {
    const x = await get(base, '/healthz');
    return x.status === 200 ? x : null;
  }, 8000, '/healthz 200 without credentials');
  assert.equal(r?.status, 200);
  for (const path of ['/healthz/', '/%68ealthz', '/HEALTHZ', '/snapshot', '/api/status', '/stream', '/']) {
    assert.equal((await get(base, path)).status, 401, path);
  }
  const raw = await rawRequest(Number(new URL(base).port), 'GET /healthz/../snapshot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.notEqual(raw.status, 200, 'dot segments after /healthz do not reach /snapshot');
});

test('with no users and no tokens, access control is off (the default)', async (t) => {
  const { base } = await startServer(t, { camera });
  await waitFor(async () => (await get(base, '/healthz')).status === 200, 8000, 'first frame');
  for (const path of REAL) assert.equal((await get(base, path)).status, 200, path);
});
