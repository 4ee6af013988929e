// Transport and network controls: optional TLS from cert/key paths, the CIDR
// allow-list (403 before authentication), the per-address connection cap, and the
// security headers on every kind of answer (page, JSON, JPEG, stream, refusals),
// with frame embedding following http.frameAncestors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { hashPassword } from '../../src/auth/scrypt';
import { startServer, waitFor } from '../helpers/camstream';
import { basic, probe, rawRequest } from '../helpers/raw-http';
import { httpsGet, selfSignedCert } from '../helpers/self-signed-cert';

const camera = { source: 'testpattern', width: 160, height: 120, fps: 10, quality: 60 };

test('server.tls serves HTTPS with the configured certificate; plain HTTP on that port gets no page', async (t) => {
  const tls = selfSignedCert();
  t.after(() => fs.rmSync(tls.dir, { recursive: true, force: true }));
  const { app, port } = await startServer(t, {
    camera,
    server: { tls: { cert: tls.cert, key: tls.key } },
    auth: { users: [{ name: 'ana', passwordHash: await hashPassword('tls-password-1') }] },
  });
  assert.equal(app.server.tls, true);
  const ca = fs.readFileSync(tls.cert);
  const base = `https://127.0.0.1:${port}`;
  await waitFor(async () => (await httpsGet(`${base}/healthz`, ca, { Authorization: basic('ana', 'tls-password-1') })).status === 200, 8000, 'first frame over TLS');
  const snap = await httpsGet(`${base}/snapshot`, ca, { Authorization: basic('ana', 'tls-password-1') });
  assert.equal(snap.status, 200);
  assert.equal(snap.body[0], 0xff);
  assert.match(snap.protocol, /^TLSv1\.[23]$/);
  assert.equal((await httpsGet(`${base}/snapshot`, ca)).status, 401, 'auth applies over TLS too');
  // An untrusted certificate is refused by a normal client (no silent downgrade).
  await assert.rejects(httpsGet(`${base}/snapshot`, Buffer.from('')), /self[- ]signed|unable to verify|certificate/i);
  // Plain HTTP to the TLS port: no HTTP answer.
  const plain = await rawRequest(port, 'GET /snapshot HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3000 });
  assert.notEqual(plain.status, 200);
});

test('server.tls with an unreadable file fails at start-up naming the key and the file', async (t) => {
  await assert.rejects(
    startServer(t, { camera, server: { tls: { cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' } } }),
    (err: Error & { code?: string }) => err.code === 'CAMSTREAM_ERR_TLS' && /server\.tls\.cert: cannot read \/nonexistent\/cert\.pem \(ENOENT\)/.test(err.message),
  );
});

test('server.allow: clients outside the listed networks get 403 before auth; inside, normal service', async (t) => {
  const { base } = await startServer(t, { camera, server: { allow: ['127.0.0.2/32', '10.0.0.0/8', 'fd00::/8'] } });
  const outside = await probe(`${base}/snapshot`, { localAddress: '127.0.0.1' });
  assert.equal(outside.status, 403);
  assert.match(outside.body.toString(), /127\.0\.0\.1 is not in an allowed network \(server\.allow\)/);
  for (const path of ['/', '/stream', '/healthz', '/nope', '/?action=stream']) {
    assert.equal((await probe(base + path, { localAddress: '127.0.0.1', maxBody: 1 })).status, 403, path);
  }
  await waitFor(async () => (await probe(`${base}/healthz`, { localAddress: '127.0.0.2' })).status === 200, 8000, 'first frame');
  assert.equal((await probe(`${base}/snapshot`, { localAddress: '127.0.0.2' })).status, 200);
});

test('server.allow comes before auth: an outside client cannot even try passwords', async (t) => {
  const { base } = await startServer(t, {
    camera,
    server: { allow: ['127.0.0.2'] },
    auth: { users: [{ name: 'ana', passwordHash: await hashPassword('allow-password-1') }], lockout: { maxFailures: 2, delayAfter: 100 } },
  });
  for (let i = 0; i < 4; i++) {
    assert.equal((await probe(`${base}/snapshot`, { localAddress: '127.0.0.1', headers: { Authorization: basic('ana', 'wrong-guess') } })).status, 403);
  }
  assert.equal((await probe(`${base}/snapshot`, { localAddress: '127.0.0.2' })).status, 401);
});

test('server.maxConnectionsPerIp: one address past its cap is closed at once; others still get in', async (t) => {
  const { base, port } = await startServer(t, { camera, server: { maxConnectionsPerIp: 8 }, stream: { maxClientsPerIp: 2 } });
  const held: net.Socket[] = [];
  t.after(() => held.forEach((s) => s.destroy()));
  const open = (localAddress: string) =>
    new Promise<{ socket: net.Socket; closedWithinMs: number | null }>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1', localAddress });
      s.on('error', () => {});
      held.push(s);
      s.once('connect', () => {
        const t0 = Date.now();
        const timer = setTimeout(() => resolve({ socket: s, closedWithinMs: null }), 500);
        s.once('close', () => {
          clearTimeout(timer);
          resolve({ socket: s, closedWithinMs: Date.now() - t0 });
        });
      });
    });
  const results = await Promise.all(Array.from({ length: 12 }, () => open('127.0.0.3')));
  const closed = results.filter((r) => r.closedWithinMs !== null).length;
  assert.equal(closed, 4, `12 idle connections from one address with a cap of 8: ${closed} closed at once`);
  await waitFor(async () => (await probe(`${base}/healthz`)).status === 200, 8000, 'first frame');
  assert.equal((await probe(`${base}/snapshot`, { localAddress: '127.0.0.1' })).status, 200, 'another address still gets in');
  // Once the address's connections close, it may connect again.
  held.forEach((s) => s.destroy());
  await waitFor(async () => (await probe(`${base}/snapshot`, { localAddress: '127.0.0.3' }).catch(() => ({ status: 0 }))).status === 200, 5000, 'the capped address to get in again');
});

function assertSecurityHeaders(h: Record<string, unknown>, what: string, ancestors: string, xfo: string | undefined) {
  assert.equal(h['x-content-type-options'], 'nosniff', what);
  assert.equal(h['referrer-policy'], 'no-referrer', what);
  const csp = String(h['content-security-policy']);
  assert.match(csp, /default-src 'self'/, what);
  assert.match(csp, /object-src 'none'/, what);
  assert.equal(/frame-ancestors ([^;]*)/.exec(csp)?.[1], ancestors, `${what}: ${csp}`);
  assert.equal((csp.match(/frame-ancestors/g) ?? []).length, 1, `${what}: one frame-ancestors directive`);
  assert.equal(h['x-frame-options'], xfo, what);
}

test('security headers on every kind of answer; frame embedding follows http.frameAncestors', async (t) => {
  const cases: [string[] | undefined, string, string | undefined][] = [
    [undefined, "'self'", 'SAMEORIGIN'],
    [["'none'"], "'none'", 'DENY'],
    [["'self'", 'http://homeassistant.local:8123', 'https://*.nvr.lan'], "'self' http://homeassistant.local:8123 https://*.nvr.lan", undefined],
  ];
  for (const [frameAncestors, want, xfo] of cases) {
    const { base, port } = await startServer(t, { camera, ...(frameAncestors ? { http: { frameAncestors } } : {}) });
    await waitFor(async () => (await probe(`${base}/healthz`)).status === 200, 8000, 'first frame');
    for (const path of ['/', '/?mode=snapshot', '/snapshot', '/api/status', '/healthz', '/nope', '/stream?fps=abc', '/assets/style.css', '/stream']) {
      const r = await probe(base + path, { maxBody: 1 });
      assertSecurityHeaders(r.headers, `${path} with frameAncestors ${want}`, want, xfo);
    }
    const bad = await rawRequest(port, 'GET /snapshot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assertSecurityHeaders(bad.headers, 'raw /snapshot', want, xfo);
  }
  // Refusals carry them too.
  const { base } = await startServer(t, { camera, auth: { tokens: [{ name: 'x', token: 'headers-token-0123456789' }] } });
  const r401 = await probe(`${base}/`);
  assert.equal(r401.status, 401);
  assertSecurityHeaders(r401.headers, '401', "'self'", 'SAMEORIGIN');
});
