// The Settings sheet in real Chromium at phone size against a real camstream whose
// Pi camera is the stand-in rpicam-vid: a slider moved on the page reaches the camera
// program; a user who may not edit sees the sheet read-only; a page on another origin
// cannot change settings with the phone's login.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { hashPassword } from '../../src/auth/scrypt';
import { waitFor } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { serveHtmlPage } from '../helpers/html-origin';
import { artifactsDir, launchPhone } from '../helpers/phone-browser';
import { MJPEG_CAPTURE } from '../helpers/fixture-files';
import { standin } from '../helpers/standin';

// Browser globals, used only inside page.evaluate callbacks (tsconfig has no DOM lib).
declare const document: any;

const PI = { source: 'libcamera', width: 320, height: 240, fps: 10, quality: 60 };
const TIMEOUT = 180000;

async function server(t: TestContext) {
  const s = standin(t, ['pi']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-state-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const passwordHash = await hashPassword('phone-pw');
  const { base } = await startCameraServer(
    t,
    { camera: PI, settings: { stateDir: dir }, auth: { users: [{ name: 'owner', passwordHash, admin: true }, { name: 'guest', passwordHash }], lockout: { maxFailures: 0 } } },
    { env: s.env },
  );
  return { s, base };
}

const brightnessRuns = (s: ReturnType<typeof standin>) => s.runs('rpicam-vid').filter((l) => l.includes('--brightness'));

test('phone (390x844): open Settings, move the brightness slider, the camera gets it and the page says applied', { timeout: TIMEOUT }, async (t) => {
  const { s, base } = await server(t);
  const phone = await launchPhone(t, { httpCredentials: { username: 'owner', password: 'phone-pw' } });
  const { page } = phone;
  await page.goto(`${base}/`);
  await page.click('#settings-open');
  const slider = page.locator('#set-brightness');
  await slider.waitFor({ timeout: 30000 });
  assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('#settings legend')].map((l: any) => l.textContent)), ['Picture', 'Exposure', 'Focus', 'Format']);
  assert.equal(await slider.isDisabled(), false);
  // The sheet fits the phone: nothing wider than the screen.
  const width = await page.evaluate(() => document.getElementById('settings').getBoundingClientRect().width);
  assert.ok(width <= 390, `sheet ${width}px wide`);

  await slider.fill('0.5');
  await waitFor(() => brightnessRuns(s).length > 0, 60000, 'rpicam-vid restarted with --brightness');
  assert.match(brightnessRuns(s)[0], /--brightness 0\.5 -o -$/);
  await waitFor(async () => /^Applied/.test(await page.locator('#settings-msg').innerText()), 60000, 'the page to say applied');
  assert.equal(await page.evaluate(() => document.getElementById('settings').dataset.applied), 'brightness=0.5');
  assert.equal(await page.locator('#settings output[for="set-brightness"]').innerText(), '0.5');
  await page.screenshot({ path: path.join(artifactsDir(), 'settings-sheet-390x844.png') });
  assert.deepEqual(phone.problems, []);
});

test('phone: a user who may not edit sees the settings read-only, with why', { timeout: TIMEOUT }, async (t) => {
  const { base } = await server(t);
  const phone = await launchPhone(t, { httpCredentials: { username: 'guest', password: 'phone-pw' } });
  await phone.page.goto(`${base}/`);
  await phone.page.click('#settings-open');
  const slider = phone.page.locator('#set-brightness');
  await slider.waitFor({ timeout: 30000 });
  assert.equal(await slider.isDisabled(), true);
  assert.match(await phone.page.locator('#settings-msg').innerText(), /^Read-only: user "guest" may watch but not change camera settings/);
  assert.equal(await phone.page.locator('#settings-reset').isHidden(), true);
});

test('a page on another origin cannot change settings with the phone\'s login (preflight refused, nothing reaches the camera)', { timeout: TIMEOUT }, async (t) => {
  const { s, base } = await server(t);
  const phone = await launchPhone(t, { httpCredentials: { username: 'owner', password: 'phone-pw' } });
  // The phone is logged in to camstream (as its owner would be)…
  await phone.page.goto(`${base}/api/camera/controls`);
  const other = await serveHtmlPage(
    t,
    `<!doctype html><title>other</title><script>
      const target = ${JSON.stringify(`${base}/api/camera/settings`)};
      const tries = [
        () => fetch(target, { method: 'PATCH', credentials: 'include', headers: { 'Content-Type': 'application/json', 'X-Camstream-Request': '1' }, body: '{"brightness": 0.9}' }),
        () => fetch(target, { method: 'PATCH', credentials: 'include', body: '{"brightness": 0.8}' }),
        () => fetch(target, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{"brightness": 0.7}' }),
      ];
      Promise.all(tries.map((f) => f().then((r) => 'status ' + r.status + ' ' + r.type, (e) => 'blocked: ' + e.name))).then((r) => { document.title = JSON.stringify(r); });
    </script>`,
  );
  // …then visits another site, whose script tries to change the camera.
  await phone.page.goto(other);
  await waitFor(async () => (await phone.page.title()) !== 'other', 30000, 'the other page\'s attempts to finish');
  const results = JSON.parse(await phone.page.title()) as string[];
  assert.equal(results[0], 'blocked: TypeError', 'the custom header needs a preflight camstream never grants');
  assert.equal(results[1], 'blocked: TypeError', 'PATCH needs a preflight too');
  assert.equal(results[2], 'status 0 opaque', 'a no-cors POST is sent but its answer is hidden (and it is refused: 405)');
  // Every attempt has been answered (or refused before sending): nothing more will come.
  assert.deepEqual(brightnessRuns(s), [], 'no brightness ever reached rpicam-vid');
});

test('phone: a value the webcam refuses is shown as the server words it, and the menu goes back', { timeout: TIMEOUT }, async (t) => {
  const s = standin(t, ['v4l2']);
  fs.copyFileSync(MJPEG_CAPTURE, path.join(s.state, 'camera.mjpeg'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-state-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const usb = { source: 'opencv', device: '/dev/video0', fourcc: 'MJPG', width: 320, height: 240, fps: 10 };
  const { base } = await startCameraServer(t, { camera: usb, settings: { stateDir: dir, anonymousEdit: true } }, { env: s.env });
  const phone = await launchPhone(t);
  await phone.page.goto(`${base}/`);
  await phone.page.click('#settings-open');
  const menu = phone.page.locator('#set-power_line_frequency');
  await menu.waitFor({ timeout: 30000 });
  fs.writeFileSync(path.join(s.state, 'refuse'), 'yes');
  await menu.selectOption('1');
  await waitFor(async () => /^Not applied/.test(await phone.page.locator('#settings-msg').innerText()), 30000, 'the refusal on the page');
  assert.match(await phone.page.locator('#settings-msg').innerText(), /^Not applied: the camera refused power_line_frequency: VIDIOC_S_EXT_CTRLS: failed: Input\/output error \(CAMSTREAM_ERR_SETTING_REFUSED\)$/);
  assert.equal(await menu.inputValue(), '2', 'the menu shows what the camera still has');
  // Taken once the camera accepts it: live, no restart.
  fs.rmSync(path.join(s.state, 'refuse'));
  await menu.selectOption('1');
  await waitFor(async () => (await phone.page.locator('#settings-msg').innerText()) === 'Applied', 30000, 'applied');
  assert.equal(s.runs('v4l2-ctl').at(-1), '-d /dev/video0 -c power_line_frequency=1');
});
