// Every refusal status camstream answers, provoked over real sockets, with access
// control off and on (users, tokens, server.allow, over HTTPS): each carries its
// stable code in X-Camstream-Error and at the end of its text/plain body,
// Cache-Control: no-store, and Retry-After exactly where coming back later helps.
// Whether Koa answered or server.ts wrote the answer on the socket, the shape is one.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Koa from 'koa';
import { hashPassword } from '../../src/auth/scrypt';
import { qrHandler } from '../../src/http/routes/qr';
import { getJson, startServer, waitFor } from '../helpers/camstream';
import { holdStream, type HeldStream } from '../helpers/held-stream';
import { basic, rawRequest, type RawResponse } from '../helpers/raw-http';
import { readmeErrorRows, rowHasStatus } from '../helpers/readme-error-codes';
import { selfSignedCert } from '../helpers/self-signed-cert';
import { SilentSource } from '../helpers/silent-source';

const camera = { source: 'testpattern', width: 160, height: 120, fps: 10, quality: 60 };
const PASSWORD = 'refusal-test-password-1';
const TOKEN = 'refusal-test-token-0123456789';

/** Every (status, code) seen below; the last test checks each against the README table. */
const seen: { status: number; code: string; what: string }[] = [];

function assertRefusal(r: RawResponse, status: number, code: string, what: string, opts: { retryAfter?: boolean; head?: boolean } = {}): void {
  assert.equal(r.status, status, `${what}: got ${JSON.stringify(r.statusLine)} ${r.body.toString().slice(0, 200)}`);
  assert.equal(r.headers['x-camstream-error'], code, `${what}: X-Camstream-Error`);
  assert.match(r.headers['cache-control'] ?? '', /\bno-store\b/, `${what}: Cache-Control no-store`);
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8', `${what}: Content-Type`);
  if (!opts.head) assert.ok(r.body.toString().endsWith(` (${code})\n`), `${what}: the body ends with the code: ${JSON.stringify(r.body.toString().slice(-200))}`);
  if (opts.retryAfter) assert.match(r.headers['retry-after'] ?? '', /^[1-9]\d*$/, `${what}: Retry-After in whole seconds`);
  else assert.equal(r.headers['retry-after'], undefined, `${what}: no Retry-After (retrying the same request cannot help)`);
  seen.push({ status, code, what });
}

/** A request's bytes: `GET /path` plus extra header lines ("Name: value\r\n"). */
const req = (line: string, extra = '') => `${line} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`;

// Requests every server refuses the same way once they reach it, access control on or off.
const COMMON: { what: string; payload: string; status: number; code: string }[] = [
  { what: 'bad ?fps', payload: req('GET /stream?fps=abc'), status: 400, code: 'CAMSTREAM_ERR_BAD_REQUEST' },
  { what: 'unknown ?action', payload: req('GET /?action=bogus'), status: 400, code: 'CAMSTREAM_ERR_BAD_REQUEST' },
  { what: 'repeated query parameter', payload: req('GET /?mode=stream&mode=snapshot'), status: 400, code: 'CAMSTREAM_ERR_BAD_REQUEST' },
  { what: 'traversal in an asset name', payload: req('GET /assets/..%2f..%2fpackage.json'), status: 400, code: 'CAMSTREAM_ERR_BAD_REQUEST' },
  { what: 'unknown path', payload: req('GET /nope'), status: 404, code: 'CAMSTREAM_ERR_NOT_FOUND' },
  { what: 'unknown asset', payload: req('GET /assets/nope.js'), status: 404, code: 'CAMSTREAM_ERR_NOT_FOUND' },
  { what: 'POST /snapshot', payload: req('POST /snapshot', 'Content-Length: 0\r\n'), status: 405, code: 'CAMSTREAM_ERR_METHOD_NOT_ALLOWED' },
  { what: 'DELETE /api/status', payload: req('DELETE /api/status', 'Content-Length: 0\r\n'), status: 405, code: 'CAMSTREAM_ERR_METHOD_NOT_ALLOWED' },
  { what: 'PROPFIND (a method the router does not know)', payload: req('PROPFIND /snapshot', 'Content-Length: 0\r\n'), status: 501, code: 'CAMSTREAM_ERR_METHOD_NOT_ALLOWED' },
  { what: '6 KB URL (Koa)', payload: req(`GET /snapshot?${'a'.repeat(6000)}`), status: 414, code: 'CAMSTREAM_ERR_URI_TOO_LONG' },
  { what: '20 KB URL (refused by the parser, answered on the socket)', payload: req(`GET /${'a'.repeat(20000)}`), status: 414, code: 'CAMSTREAM_ERR_URI_TOO_LONG' },
  { what: '20 KB header (on the socket)', payload: req('GET /snapshot', `X-Big: ${'a'.repeat(20000)}\r\n`), status: 431, code: 'CAMSTREAM_ERR_HEADERS_TOO_LARGE' },
  { what: 'garbage request line (on the socket)', payload: 'GARBAGE\r\n\r\n', status: 400, code: 'CAMSTREAM_ERR_MALFORMED_REQUEST' },
  { what: 'Content-Length with Transfer-Encoding (on the socket)', payload: req('POST /', 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n'), status: 400, code: 'CAMSTREAM_ERR_MALFORMED_REQUEST' },
];

async function checkCommon(port: number, opts: { ca?: Buffer; auth?: string }): Promise<void> {
  for (const c of COMMON) {
    // Credentials go right after the request line, so even the header-size case carries them.
    const payload = opts.auth ? c.payload.replace('\r\n', `\r\n${opts.auth}`) : c.payload;
    const r = await rawRequest(port, payload, { ca: opts.ca, timeoutMs: 8000 });
    assertRefusal(r, c.status, c.code, `${opts.ca ? 'HTTPS' : 'HTTP'} ${c.what}`);
    if (c.status === 405) assert.match(r.headers.allow ?? '', /\bGET\b/, `${c.what}: Allow names GET`);
    if (c.status === 414 || c.status === 431 || c.code === 'CAMSTREAM_ERR_MALFORMED_REQUEST') assert.equal(r.headers.connection, 'close', `${c.what}: closes`);
  }
  // HEAD: the same status and headers, no body (what monitors send).
  const head = await rawRequest(port, req('HEAD /nope', opts.auth ?? ''), { ca: opts.ca });
  assertRefusal(head, 404, 'CAMSTREAM_ERR_NOT_FOUND', 'HEAD /nope', { head: true });
  assert.equal(head.body.length, 0, 'HEAD: no body');
}

/** Fill a two-slot pool (one address at a time), then ask for more: 429 per address, 503 when full. */
async function checkSlots(t: TestContext, base: string, port: number, opts: { ca?: Buffer; auth?: string; headers?: Record<string, string> }): Promise<HeldStream[]> {
  const held: HeldStream[] = [];
  t.after(() => held.forEach((h) => h.close()));
  const hold = async (localAddress: string) => {
    const h = await holdStream(`${base}/stream`, { localAddress, ca: opts.ca, headers: opts.headers, timeoutMs: 8000 });
    held.push(h);
    assert.equal(h.status, 200, `a stream from ${localAddress}`);
  };
  const stream = (localAddress: string, timeoutMs = 8000) => rawRequest(port, req('GET /stream', opts.auth ?? ''), { ca: opts.ca, localAddress, timeoutMs });
  await hold('127.0.0.1');
  assertRefusal(await stream('127.0.0.1'), 429, 'CAMSTREAM_ERR_PER_IP', 'a second stream from one address', { retryAfter: true });
  await hold('127.0.0.2');
  return held;
}

test('access control off: every refusal carries its code, no-store, and Retry-After where due', async (t) => {
  const { app, base, port } = await startServer(t, {
    camera,
    metrics: { enabled: false },
    stream: { maxClients: 2, maxClientsPerIp: 1, queueSize: 1, queueTimeoutMs: 3000 },
  });
  await checkCommon(port, {});
  assertRefusal(await rawRequest(port, req('GET /metrics')), 404, 'CAMSTREAM_ERR_METRICS_DISABLED', '/metrics with metrics.enabled false');
  assertRefusal(await rawRequest(port, 'GET /qr.svg HTTP/1.1\r\nHost: not a host!\r\nConnection: close\r\n\r\n'), 400, 'CAMSTREAM_ERR_BAD_REQUEST', '/qr.svg with a bad Host');

  const held = await checkSlots(t, base, port, {});
  // Pool full: the next viewer waits in the queue (one place), the one after is refused at once.
  const queued = rawRequest(port, req('GET /stream'), { localAddress: '127.0.0.3', timeoutMs: 15000 });
  await waitFor(async () => (await getJson(`${base}/api/status`)).slots.queued === 1, 8000, 'a viewer waiting for a slot');
  assertRefusal(await rawRequest(port, req('GET /stream'), { localAddress: '127.0.0.4' }), 503, 'CAMSTREAM_ERR_POOL_FULL', 'slots and queue full', { retryAfter: true });
  assertRefusal(await queued, 503, 'CAMSTREAM_ERR_QUEUE_TIMEOUT', 'no slot within stream.queueTimeoutMs', { retryAfter: true });

  // Shutting down while a viewer waits for a slot.
  const waiting = rawRequest(port, req('GET /stream'), { localAddress: '127.0.0.5', timeoutMs: 15000 });
  await waitFor(async () => (await getJson(`${base}/api/status`)).slots.queued === 1, 8000, 'a viewer waiting for a slot');
  const stopped = app.stop();
  assertRefusal(await waiting, 503, 'CAMSTREAM_ERR_SHUTTING_DOWN', 'stopping while queued', { retryAfter: true });
  held.forEach((h) => h.close());
  await stopped;

  // Before the camera's first frame, /snapshot says so.
  const silent = await startServer(t, { camera }, { source: new SilentSource() });
  assertRefusal(await rawRequest(silent.port, req('GET /snapshot')), 503, 'CAMSTREAM_ERR_NO_FRAME', '/snapshot before the first frame', { retryAfter: true });

  // Headers that never finish: cut after server.headersTimeoutMs with 408, on the socket.
  // A server of its own: so short a limit could cut honest requests on a busy machine.
  const impatient = await startServer(t, { camera, server: { headersTimeoutMs: 1000 } });
  assertRefusal(
    await rawRequest(impatient.port, 'GET /snapshot HTTP/1.1\r\nHost: 127.0.0.1\r\n', { timeoutMs: 15000 }),
    408, 'CAMSTREAM_ERR_REQUEST_TIMEOUT', 'headers never finished',
  );
});

test('access control on, over HTTPS: auth, allow-list, lockout and busy refusals carry codes, and so does everything behind them', async (t) => {
  const cert = selfSignedCert();
  t.after(() => fs.rmSync(cert.dir, { recursive: true, force: true }));
  const ca = fs.readFileSync(cert.cert);
  const { port } = await startServer(
    t,
    {
      camera,
      server: { tls: { cert: cert.cert, key: cert.key }, allow: ['127.0.0.0/24', '127.0.1.0/24'] },
      auth: {
        users: [{ name: 'ana', passwordHash: await hashPassword(PASSWORD) }],
        tokens: [{ name: 'tool', token: TOKEN }],
        lockout: { maxFailures: 3, delayAfter: 100, durationMs: 60000 },
      },
      stream: { maxClients: 2, maxClientsPerIp: 1, queueSize: 0 },
    },
    // No frame ever: /snapshot's 503 behind authentication.
    { source: new SilentSource() },
  );
  const base = `https://127.0.0.1:${port}`;
  const get = (p: string, extra = '', localAddress?: string, timeoutMs = 8000) => rawRequest(port, req(`GET ${p}`, extra), { ca, localAddress, timeoutMs });
  const token = `X-Camstream-Token: ${TOKEN}\r\n`;

  const none = await get('/snapshot');
  assertRefusal(none, 401, 'CAMSTREAM_ERR_AUTH_REQUIRED', 'no credentials');
  assert.match(none.headers['www-authenticate'] ?? '', /Basic realm="camstream"/, '401 challenges');
  const wrong = await get('/snapshot', `Authorization: ${basic('ana', 'not-the-password')}\r\n`);
  assertRefusal(wrong, 401, 'CAMSTREAM_ERR_AUTH_FAILED', 'wrong password');
  assert.match(wrong.headers['www-authenticate'] ?? '', /Basic realm=/, 'wrong password: asked again');
  assertRefusal(await get('/snapshot', `X-Camstream-Token: ${TOKEN}x\r\n`), 403, 'CAMSTREAM_ERR_AUTH_FAILED', 'wrong token');
  assertRefusal(await get('/snapshot', token, '127.0.2.1'), 403, 'CAMSTREAM_ERR_FORBIDDEN_NETWORK', 'outside server.allow, right token');

  // Past authentication, the same refusals as without it.
  await checkCommon(port, { ca, auth: token });
  assertRefusal(await get('/snapshot', token), 503, 'CAMSTREAM_ERR_NO_FRAME', 'authenticated /snapshot before the first frame', { retryAfter: true });
  await checkSlots(t, base, port, { ca, auth: token, headers: { 'X-Camstream-Token': TOKEN } });
  assertRefusal(await rawRequest(port, req('GET /stream', token), { ca, localAddress: '127.0.0.3' }), 503, 'CAMSTREAM_ERR_POOL_FULL', 'authenticated, pool full (no queue)', { retryAfter: true });

  // Lockout: wrong passwords from one address until it is locked; then the right token is refused too.
  let lockedAfter = 0;
  for (let i = 1; i <= 5 && lockedAfter === 0; i++) {
    const r = await get('/snapshot', `Authorization: ${basic('ana', `guess-${i}`)}\r\n`, '127.0.0.9');
    if (r.status === 429) lockedAfter = i;
    else assert.equal(r.status, 401, `guess ${i}`);
  }
  assert.equal(lockedAfter, 3, 'locked out at auth.lockout.maxFailures');
  assertRefusal(await get('/snapshot', token, '127.0.0.9'), 429, 'CAMSTREAM_ERR_LOCKED_OUT', 'locked-out address with the right token', { retryAfter: true });

  // Many password checks at once: one scrypt runs, 16 wait, the rest are refused at once.
  // Each from its own address (no lockout); bounded rounds in case a slow machine
  // lets the first checks finish before the last requests arrive. The 17 that get a
  // place wait for each other's scrypt runs: a busy machine needs time for those.
  let busy: RawResponse | undefined;
  for (let round = 0; round < 3 && !busy; round++) {
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => get('/snapshot', `Authorization: ${basic('ana', `flood-${round}-${i}`)}\r\n`, `127.0.1.${round * 60 + i + 1}`, 60000)),
    );
    for (const a of answers) assert.ok(a.status === 401 || a.status === 503, `flood: got ${a.statusLine}`);
    busy = answers.find((a) => a.status === 503);
  }
  assert.ok(busy, 'some of 60 simultaneous password checks were refused as busy');
  assertRefusal(busy, 503, 'CAMSTREAM_ERR_AUTH_BUSY', 'too many password checks at once', { retryAfter: true });
});

test('/qr.svg: qrencode missing (501), failing (500) or already drawing twice (503) are coded refusals too', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-qr-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  // Stand-ins for the qrencode program (the outermost edge): one that fails, one that
  // marks its start and takes a while, then fails.
  const failing = path.join(dir, 'qrencode-failing');
  fs.writeFileSync(failing, '#!/bin/sh\necho "qrencode: out of memory" >&2\nexit 1\n', { mode: 0o755 });
  const slow = path.join(dir, 'qrencode-slow');
  fs.writeFileSync(slow, `#!/bin/sh\ntouch "${dir}/started.$$"\nsleep 3\nexit 1\n`, { mode: 0o755 });

  const serve = async (qrencode: string) => {
    const app = new Koa();
    app.use(qrHandler({ qrencode }));
    const server = http.createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    return (server.address() as import('node:net').AddressInfo).port;
  };
  const qr = (port: number, host: string) => rawRequest(port, `GET /qr.svg HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, { timeoutMs: 10000 });

  assertRefusal(await qr(await serve(path.join(dir, 'no-such-qrencode')), 'cam.local'), 501, 'CAMSTREAM_ERR_QR_UNAVAILABLE', 'qrencode not installed');
  assertRefusal(await qr(await serve(failing), 'cam.local'), 500, 'CAMSTREAM_ERR_QR_UNAVAILABLE', 'qrencode failed');

  const port = await serve(slow);
  const drawing = [qr(port, 'a.local'), qr(port, 'b.local')];
  await waitFor(() => fs.readdirSync(dir).filter((f) => f.startsWith('started.')).length === 2, 8000, 'two drawings running');
  assertRefusal(await qr(port, 'c.local'), 503, 'CAMSTREAM_ERR_QR_BUSY', 'a third drawing at once', { retryAfter: true });
  for (const d of await Promise.all(drawing)) assert.equal(d.status, 500);
});

test('each status and code seen above is a row of the README table', () => {
  assert.ok(seen.length > 20, `refusals were checked (${seen.length})`);
  const rows = readmeErrorRows();
  for (const s of seen) {
    assert.ok(
      rows.some((r) => r.code === s.code && rowHasStatus(r, s.status)),
      `${s.what}: README has no row for ${s.status} ${s.code}`,
    );
  }
});
