// The phone page's "Share this camera": a QR code of the page's own address, drawn by
// qrencode on the server as SVG, shown by a real Chromium and read back by zbarimg
// (Debian's zbar-tools), which must decode it to the page's URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../helpers/camstream';
import { launchPhone } from '../helpers/phone-browser';
import { rawRequest } from '../helpers/raw-http';

const camera = { source: 'testpattern', width: 160, height: 120, fps: 5, quality: 50 };

test("the page's QR code decodes (zbarimg) to the page's own URL", async (t) => {
  const { base } = await startServer(t, { camera });
  const phone = await launchPhone(t);
  await phone.page.goto(`${base}/`);
  await phone.page.click('details.share summary');
  const img = phone.page.locator('details.share img');
  await img.waitFor({ state: 'visible' });
  await phone.page.waitForFunction(() => (globalThis as any).document.querySelector('details.share img').naturalWidth > 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-qr-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const png = path.join(dir, 'qr.png');
  await img.screenshot({ path: png });
  const decoded = execFileSync('zbarimg', ['--quiet', '--raw', png], { encoding: 'utf8' }).trim();
  assert.equal(decoded, `${base}/`);
  assert.deepEqual(phone.problems, [], 'no CSP violation or page error');
});

test('/qr.svg: SVG from this origin for the Host the client used; a malformed Host is a 400', async (t) => {
  const { base, port } = await startServer(t, { camera });
  const r = await fetch(`${base}/qr.svg`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/svg+xml');
  assert.match(await r.text(), /<svg[\s\S]*<\/svg>/);
  const bad = await rawRequest(port, 'GET /qr.svg HTTP/1.1\r\nHost: evil"<script>\r\nConnection: close\r\n\r\n');
  assert.equal(bad.status, 400);
  assert.match(bad.body.toString(), /Host: expected a host name/);
});
