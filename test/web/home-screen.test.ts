// "Add to Home Screen" with access control on: real Chromium, logged in with Basic auth
// (as a person answering the login prompt), must get the manifest and its icons (200,
// not 401) and find the page installable — over plain HTTP and over server.tls.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import { hashPassword } from '../../src/auth/scrypt';
import type { Camstream } from '../../src/main';
import { startServer, waitFor } from '../helpers/camstream';
import { launchPhone, type Phone } from '../helpers/phone-browser';
import { selfSignedCert } from '../helpers/self-signed-cert';

// Browser globals, used only inside page.evaluate callbacks (tsconfig has no DOM lib).
declare const document: any;

const CAMERA = { width: 320, height: 240, fps: 10 };
const USER = 'ana';
const PASSWORD = 'home-screen-password-1';
const TEST_TIMEOUT = 90000;

/** Every answer the server sends: path (query dropped) and status, in order. */
function recordAnswers(app: Camstream): { path: string; status: number }[] {
  const seen: { path: string; status: number }[] = [];
  app.server.server.on('request', (req, res) => {
    res.once('finish', () => seen.push({ path: (req.url ?? '').split('?')[0], status: res.statusCode }));
  });
  return seen;
}

/** Chromium's verdict on the page as an app: the manifest it read and what stops installing. */
async function installability(phone: Phone) {
  const cdp = await phone.context.newCDPSession(phone.page);
  try {
    const manifest = await cdp.send('Page.getAppManifest', {});
    const errors = (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors;
    return { manifest, errors };
  } finally {
    await cdp.detach();
  }
}

async function checkInstallable(t: TestContext, phone: Phone, base: string, answers: { path: string; status: number }[]): Promise<void> {
  const { page } = phone;
  const res = await page.goto(`${base}/`);
  assert.equal(res?.status(), 200, 'the page itself, after the login');
  await waitFor(async () => (await page.evaluate(() => document.body.dataset.state)) === 'live', 15000, 'the live picture');

  // The installability check downloads the manifest and an icon; wait for its answer.
  const { manifest, errors } = await installability(phone);
  t.diagnostic(`manifest ${manifest.url} errors=${JSON.stringify(manifest.errors)} installability=${JSON.stringify(errors)}`);
  assert.match(manifest.url, /\/manifest\.webmanifest\?v=[0-9a-f]{12}$/);
  assert.deepEqual(manifest.errors, []);
  assert.deepEqual(errors, [], 'installable');
  const names = JSON.parse(manifest.data || '{}') as { name?: string; icons?: { src: string }[] };
  assert.equal(names.name, 'camstream', 'Chromium read the manifest itself, not a 401 page');

  const of = (p: string) => answers.filter((a) => a.path === p).map((a) => a.status);
  const mf = of('/manifest.webmanifest');
  assert.equal(mf.at(-1), 200, `the manifest's answer (all: ${mf.join(',') || 'none'})`);
  // The icons Chromium fetched for the home screen (it picks what it needs from the list).
  const iconPaths = (names.icons ?? []).map((i) => new URL(i.src, base).pathname);
  assert.ok(iconPaths.length >= 2, `the manifest names its icons: ${iconPaths.join(', ')}`);
  const fetched = iconPaths.filter((p) => of(p).length > 0);
  assert.ok(fetched.length >= 1, `Chromium fetched at least one manifest icon (answers: ${JSON.stringify(answers.filter((a) => a.path.startsWith('/assets/icon')))})`);
  for (const p of fetched) assert.equal(of(p).at(-1), 200, `${p} answered ${of(p).join(',')}`);
  // The ones this Chromium did not need (a phone picks by size) load with the same login.
  const icons = await page.evaluate((srcs: string[]) => Promise.all(srcs.map(async (s) => {
    const r = await fetch(s);
    return `${r.status} ${r.headers.get('Content-Type')}`;
  })), iconPaths);
  for (const [i, got] of icons.entries()) assert.match(got, /^200 image\//, `${iconPaths[i]}: ${got}`);
  t.diagnostic(`answers: ${JSON.stringify(answers.filter((a) => !/^\/(api\/status|stream)$/.test(a.path)))}`);
  assert.deepEqual(phone.problems.filter((p) => !/401/.test(p)), [], 'no page errors');
}

async function authConfig() {
  return { users: [{ name: USER, passwordHash: await hashPassword(PASSWORD) }] };
}

test('Add to Home Screen with a password (Basic auth): manifest 200, icons 200, installable', { timeout: TEST_TIMEOUT }, async (t) => {
  const { app, base } = await startServer(t, { camera: CAMERA, auth: await authConfig() });
  const answers = recordAnswers(app);
  // Without the login nothing is served, the manifest included: access control is on.
  assert.equal((await fetch(`${base}/manifest.webmanifest`)).status, 401);
  const phone = await launchPhone(t, { httpCredentials: { username: USER, password: PASSWORD } });
  await checkInstallable(t, phone, base, answers);
});

test('Add to Home Screen with a password over server.tls: manifest 200, icons 200, installable', { timeout: TEST_TIMEOUT }, async (t) => {
  const tls = selfSignedCert();
  t.after(() => fs.rmSync(tls.dir, { recursive: true, force: true }));
  const { app, port } = await startServer(t, { camera: CAMERA, server: { tls: { cert: tls.cert, key: tls.key } }, auth: await authConfig() });
  const answers = recordAnswers(app);
  const phone = await launchPhone(t, { httpCredentials: { username: USER, password: PASSWORD }, trustCert: tls.cert });
  await checkInstallable(t, phone, `https://127.0.0.1:${port}`, answers);
});
