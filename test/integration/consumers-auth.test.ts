// The same real clients against a camstream with access control on (auth.users +
// auth.tokens), each sending credentials the way the guide's "With a password"
// section says that tool can: Basic from curl (Home Assistant), user:password in the
// URL for ffmpeg (Frigate, go2rtc) and VLC, ?token= for OctoPrint's browser <img>.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serveHtmlPage } from '../helpers/html-origin';
import { chromium } from 'playwright-core';
import { hashPassword } from '../../src/auth/scrypt';
import { startServer } from '../helpers/camstream';
import { isJpeg } from '../helpers/mjpeg-client';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/phone-browser';
import { assertOk, runTool } from '../helpers/run-tool';

declare const document: any;

const W = 320;
const H = 240;
const USER = 'homeassistant';
// Letters and digits only: the guide says to keep passwords for URLs that way (or percent-encode).
const PASSWORD = 'Kq7rT2xWm9pLs4Vd';
const TOKEN = 'octoprint-7f3a9c1e5b2d8f40a6e1';
const PROM_TOKEN = 'prometheus-c0ffee5eed1234abcd';

function tmpDir(t: TestContext, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('with access control on, each tool gets in the documented way and not without credentials', { timeout: 120_000 }, async (t) => {
  const { base, port } = await startServer(t, {
    camera: { source: 'testpattern', width: W, height: H, fps: 15 },
    stream: { maxClients: 10, maxClientsPerIp: 10 },
    auth: {
      users: [{ name: USER, passwordHash: await hashPassword(PASSWORD) }],
      tokens: [{ name: 'octoprint', token: TOKEN }, { name: 'prometheus', token: PROM_TOKEN }],
      lockout: { maxFailures: 0 },
    },
  });
  const withPassword = `http://${USER}:${PASSWORD}@127.0.0.1:${port}`;

  await t.test('no credentials: 401 with a Basic challenge, for stream and snapshot alike', async () => {
    for (const p of ['/stream', '/?action=stream', '/snapshot', '/?action=snapshot']) {
      const r = await runTool('curl', ['-sS', '--max-time', '5', '-o', '/dev/null', '-D', '-', `${base}${p}`], { timeoutMs: 10000 });
      assertOk(r, `curl ${p}`);
      assert.match(r.stdout.toString(), /^HTTP\/1\.1 401/, p);
      assert.match(r.stdout.toString(), /\r\nwww-authenticate: Basic realm="/i, p);
    }
  });

  await t.test('Home Assistant (Basic): curl -u on the MJPEG URL and the still image URL', async (tt) => {
    const dir = tmpDir(tt, 'camstream-ha-');
    const still = await runTool('curl', ['-sS', '--fail', '--max-time', '5', '-u', `${USER}:${PASSWORD}`, '-o', path.join(dir, 'still.jpg'), `${base}/snapshot`], { timeoutMs: 10000 });
    assertOk(still, 'curl -u /snapshot');
    assert.ok(isJpeg(fs.readFileSync(path.join(dir, 'still.jpg'))));
    const live = await runTool('curl', ['-sS', '-N', '--max-time', '2', '-u', `${USER}:${PASSWORD}`, '-o', path.join(dir, 'live.mjpeg'), `${base}/stream`], { timeoutMs: 10000 });
    assert.equal(live.code, 28, `curl should stream until --max-time: ${live.stderr}`);
    const p = await runTool('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames,width', '-of', 'csv=p=0', path.join(dir, 'live.mjpeg')], { timeoutMs: 20000 });
    assertOk(p, 'ffprobe');
    const [width, frames] = p.stdout.toString().trim().split(',').map(Number);
    assert.equal(width, W);
    assert.ok(frames >= 10, `${frames} frames in 2 s`);
  });

  await t.test('Frigate / go2rtc (ffmpeg, user:password in the URL) decode frames', async () => {
    for (const p of ['/stream', '/?action=stream']) {
      const r = await runTool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', `${withPassword}${p}`, '-frames:v', '3', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { timeoutMs: 30000 });
      assertOk(r, `ffmpeg ${p}`);
      assert.equal(r.stdout.length, 3 * W * H);
    }
  });

  await t.test('ffmpeg with a wrong password fails with 401, never hangs', async () => {
    const r = await runTool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', `http://${USER}:wrong@127.0.0.1:${port}/stream`, '-frames:v', '1', '-f', 'null', '-'], { timeoutMs: 30000 });
    assert.notEqual(r.code, 0);
    assert.equal(r.timedOut, false);
    assert.match(r.stderr, /401|Unauthorized/);
  });

  await t.test('VLC (user:password in the URL) records /stream.mjpg', async (tt) => {
    const dir = tmpDir(tt, 'camstream-vlc-');
    fs.chmodSync(dir, 0o777);
    const out = path.join(dir, 'cam.mjpeg');
    const vlc = ['-s', 'INT', '-k', '5', '3', 'cvlc', '-I', 'dummy', '--no-audio', `${withPassword}/stream.mjpg`, '--sout', `#std{access=file,mux=mpjpeg,dst=${out}}`];
    const r = process.getuid?.() === 0 ? await runTool('runuser', ['-u', 'nobody', '--', 'timeout', ...vlc], { timeoutMs: 30000 }) : await runTool('timeout', vlc, { timeoutMs: 30000 });
    assert.equal(r.code, 124, r.stderr.slice(-2000));
    const p = await runTool('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', out], { timeoutMs: 20000 });
    assertOk(p, 'ffprobe');
    assert.ok(Number(p.stdout.toString().trim()) >= 5, `VLC recorded ${p.stdout.toString().trim()} frames`);
  });

  await t.test('Prometheus (authorization: credentials = a token, sent as Bearer) scrapes /metrics', async () => {
    const without = await runTool('curl', ['-sS', '--max-time', '5', '-o', '/dev/null', '-w', '%{http_code}', `${base}/metrics`], { timeoutMs: 10000 });
    assert.equal(without.stdout.toString(), '401');
    const r = await runTool('curl', ['-sS', '--fail', '--max-time', '5', '-H', `Authorization: Bearer ${PROM_TOKEN}`, `${base}/metrics`], { timeoutMs: 10000 });
    assertOk(r, 'curl /metrics with a bearer token');
    assert.match(r.stdout.toString(), /^camstream_frames_captured_total \d+$/m);
  });

  await t.test('OctoPrint: ?token= on the snapshot URL (server side) and the stream URL (browser <img>, cross-origin)', async (tt) => {
    const snap = await runTool('curl', ['-sS', '--fail', '--max-time', '5', '-o', '-', `${base}/?action=snapshot&token=${TOKEN}`], { timeoutMs: 10000 });
    assertOk(snap, 'curl snapshot with token');
    assert.ok(isJpeg(snap.stdout));
    // Chromium blocks user:password@ in sub-resource URLs, so a browser <img> needs the token form.
    const html = `<!doctype html><html><body>
<img id="token" src="${base}/?action=stream&token=${TOKEN}&${Date.now()}">
<img id="userinfo" src="${withPassword}/?action=stream">
</body></html>`;
    const pageUrl = await serveHtmlPage(tt, html);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
    tt.after(() => browser.close());
    const tab = await browser.newPage();
    await tab.goto(pageUrl, { waitUntil: 'domcontentloaded', timeout: 15000 });
    await tab.waitForFunction(() => document.getElementById('token').naturalWidth > 0, undefined, { timeout: 15000 });
    assert.equal(await tab.evaluate(() => document.getElementById('token').naturalWidth), W);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await tab.evaluate(() => document.getElementById('userinfo').naturalWidth), 0, 'the browser refuses credentials in an <img> URL, as the guide says');
  });
});
