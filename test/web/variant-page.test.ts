// The phone page on a slow link: Chromium at 390x844 with DevTools network throttling
// streams ?variant=auto, is moved down to a smaller variant by the server, says so in
// its status line, and the picture keeps moving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor } from '../helpers/camstream';
import { launchPhone, pictureHash } from '../helpers/phone-browser';

// Browser globals, used only inside page.evaluate callbacks (tsconfig has no DOM lib).
declare const document: any;

test('a throttled phone ends up on a smaller variant, shows which, and keeps moving', { timeout: 300000 }, async (t) => {
  const { base, app } = await startServer(t, {
    camera: { source: 'testpattern', width: 1280, height: 720, fps: 15, quality: 80 },
    stream: { variants: { mid: { width: 640 }, low: { width: 320, quality: 40 } }, stallTimeoutMs: 60000 },
  });
  const p = app.pipelines[0];
  await waitFor(() => p.hub.latest?.live, 20000, 'the first frame');
  const phone = await launchPhone(t);
  const { page } = phone;
  // ~1.2 Mbit/s down: full size (~8 Mbit/s at 15 fps) does not fit.
  const cdp = await phone.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 40, downloadThroughput: 150_000, uploadThroughput: 150_000 });
  await page.goto(`${base}/`);
  const src = await page.evaluate(() => document.getElementById('picture').getAttribute('src'));
  assert.match(src, /^\/stream\?variant=auto/, 'the page streams ?variant=auto');

  const streaming = () => p.viewers.list().find((v) => v.auto);
  await waitFor(() => streaming(), 60000, 'the page to stream');
  await waitFor(() => streaming()?.variant, 180000, 'the server to move the page to a smaller variant');
  // The status line names the picture the <img> shows once it has the smaller size.
  const line = await waitFor(
    async () => {
      const text: string = (await page.textContent('#status-text')) ?? '';
      return /· (low 320×180|mid 640×360)$/.test(text) && text;
    },
    180000,
    'the status line to show a smaller variant',
  );
  // And it keeps moving there.
  const h0 = await pictureHash(page);
  await waitFor(async () => (await pictureHash(page)) !== h0, 30000, 'the picture to change');
  const w = await page.evaluate(() => document.getElementById('picture').naturalWidth);
  assert.ok(w === 320 || w === 640, `the picture is ${w} px wide`);
  console.log(`# status line: ${line}; server says ${streaming()?.variant}`);
  assert.deepEqual(phone.problems, []);
});
