// Settings writes under the transport and network controls: over TLS the page's own
// origin is https://…, and an http:// Origin for the same host is another site; the
// allow-list refuses settings routes like every other path.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { hashPassword } from '../../src/auth/scrypt';
import { startCameraServer } from '../helpers/camera-server';
import { basic, probe } from '../helpers/raw-http';
import { selfSignedCert } from '../helpers/self-signed-cert';
import { standin } from '../helpers/standin';

const PI = { source: 'libcamera', width: 320, height: 240, fps: 10, quality: 60 };

function httpsPatch(url: string, ca: Buffer, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'PATCH', ca, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.setTimeout(20000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

test('over TLS: an admin\'s write from https://host:port is taken; the same host over http:// is another origin', async (t) => {
  const s = standin(t, ['pi']);
  const tls = selfSignedCert();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-state-'));
  t.after(() => {
    fs.rmSync(tls.dir, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const passwordHash = await hashPassword('tls-admin-pw');
  const { app } = await startCameraServer(
    t,
    { camera: PI, settings: { stateDir: dir }, server: { tls: { cert: tls.cert, key: tls.key } }, auth: { users: [{ name: 'owner', passwordHash, admin: true }] } },
    { env: s.env },
  );
  const ca = fs.readFileSync(tls.cert);
  const base = `https://127.0.0.1:${app.port}`;
  const headers = { Authorization: basic('owner', 'tls-admin-pw'), 'Content-Type': 'application/json', 'X-Camstream-Request': '1' };
  const http = await httpsPatch(`${base}/api/camera/settings`, ca, { ...headers, Origin: `http://127.0.0.1:${app.port}` }, '{"sharpness": 2}');
  assert.equal(http.status, 403);
  assert.match(http.body, /only camstream's own page \(https:\/\/127\.0\.0\.1:\d+\)/);
  const ok = await httpsPatch(`${base}/api/camera/settings`, ca, { ...headers, Origin: base }, '{"sharpness": 2}');
  assert.equal(ok.status, 200, ok.body);
  assert.match(s.runs('rpicam-vid').at(-1)!, /--sharpness 2 -o -$/);
  const anon = await httpsPatch(`${base}/api/camera/settings`, ca, { 'Content-Type': 'application/json', 'X-Camstream-Request': '1' }, '{"sharpness": 3}');
  assert.equal(anon.status, 401);
});

test('server.allow: a settings write from outside the allowed networks is refused before anything else', async (t) => {
  const s = standin(t, ['pi']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-state-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const { base } = await startCameraServer(t, { camera: PI, settings: { stateDir: dir, anonymousEdit: true }, server: { allow: ['127.0.0.2/32'] } }, { env: s.env });
  const headers = { 'Content-Type': 'application/json', 'X-Camstream-Request': '1' };
  const outside = await probe(`${base}/api/camera/settings`, { method: 'PATCH', headers, localAddress: '127.0.0.1' });
  assert.equal(outside.status, 403);
  assert.equal(outside.headers['x-camstream-error'], 'CAMSTREAM_ERR_FORBIDDEN_NETWORK');
  assert.equal((await probe(`${base}/api/camera/controls`, { localAddress: '127.0.0.1' })).status, 403);
  const inside = await probe(`${base}/api/camera/controls`, { localAddress: '127.0.0.2', timeoutMs: 20000 });
  assert.equal(inside.status, 200);
  assert.ok(!s.runs('rpicam-vid').some((l) => l.includes('--sharpness')));
});
