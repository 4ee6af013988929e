// The phone page in real Chromium (phone viewport, touch) against a real camstream
// on loopback with the test-pattern camera.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TestPatternSource } from '../../src/capture/testpattern';
import type { FrameSink, FrameSource } from '../../src/capture/source';
import { schema } from '../../src/config/schema';
import { jpegSize } from '../../src/hub/frame';
import { getJson, startServer, waitFor } from '../helpers/camstream';
import { holdStream } from '../helpers/held-stream';
import { artifactsDir, launchPhone, pictureHash, setPageHidden, type Phone } from '../helpers/phone-browser';

// Browser globals, used only inside page.evaluate callbacks (tsconfig has no DOM lib).
declare const document: any;

const CAMERA = { width: 512, height: 288, fps: 15 };
const DEFAULT_CAMERA = Object.fromEntries(Object.entries(schema.camera).map(([k, v]) => [k, v.default])) as ConstructorParameters<typeof TestPatternSource>[0];
const TEST_TIMEOUT = 90000;

const pageState = (phone: Phone) => phone.page.evaluate(() => document.body.dataset.state);
const noticeText = (phone: Phone) => phone.page.evaluate(() => (document.getElementById('notice') as any).textContent ?? '');

async function waitForState(phone: Phone, want: string, timeoutMs: number): Promise<void> {
  await waitFor(async () => (await pageState(phone)) === want, timeoutMs, `page state "${want}" (now "${await pageState(phone)}", notice "${await noticeText(phone)}")`);
}

/** The camera's first frame is in (a busy machine may take many seconds to start it). */
async function waitForCamera(base: string): Promise<void> {
  await waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, 60000, 'the first frame from the camera');
}

/** Two canvas reads some time apart differ: frames are flowing into the <img>. */
async function waitForPictureChange(phone: Phone, timeoutMs = 8000): Promise<void> {
  // The <img> may be between sources (a new src set, nothing decoded yet): wait for a picture first.
  const first = await waitFor(async () => {
    const h = await pictureHash(phone.page);
    return h === 'blank' ? '' : h;
  }, timeoutMs, 'a picture in the <img>');
  await waitFor(async () => {
    const now = await pictureHash(phone.page);
    return now !== 'blank' && now !== first;
  }, timeoutMs, 'the picture to change');
}

test('live page: stream at the configured size, moving picture, status line, snapshot download, full screen', { timeout: TEST_TIMEOUT }, async (t) => {
  const { base } = await startServer(t, { camera: CAMERA });
  const phone = await launchPhone(t);
  const { page } = phone;
  await page.goto(`${base}/`);
  await waitForState(phone, 'live', 15000);

  const size = await page.evaluate(() => {
    const img = document.getElementById('picture') as any;
    return { w: img.naturalWidth, h: img.naturalHeight, shownW: img.getBoundingClientRect().width, shownH: img.getBoundingClientRect().height, src: img.src };
  });
  assert.deepEqual([size.w, size.h], [CAMERA.width, CAMERA.height], 'natural size = configured resolution');
  assert.match(size.src, /\/stream(\?|$)/, 'live mode plays /stream in the <img>');
  // Fills the phone's width, aspect ratio kept.
  assert.equal(Math.round(size.shownW), 390);
  assert.ok(Math.abs(size.shownH - (390 * CAMERA.height) / CAMERA.width) < 2, `shown ${size.shownW}x${size.shownH}`);

  await waitForPictureChange(phone);

  // Status line: live, fps > 0, resolution, and this page as the one viewer.
  const line = await waitFor(async () => {
    const text = (await page.textContent('#status-text')) ?? '';
    const fps = /([\d.]+) fps/.exec(text);
    return fps && Number(fps[1]) > 0 && /1\/20 viewers/.test(text) ? text : '';
  }, 10000, 'a status line with fps and viewers');
  assert.match(line, /^Live · /);
  assert.match(line, new RegExp(`${CAMERA.width}×${CAMERA.height}`));
  const status = await getJson(`${base}/api/status`);
  assert.equal(status.slots.used, 1, 'the page holds exactly one streaming slot');
  assert.equal(status.viewers.length, 1);
  t.diagnostic(`status line: ${line}`);

  // Snapshot button → a timestamped JPEG download of the configured size.
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.tap('#snap')]);
  assert.match(download.suggestedFilename(), /^camstream-\d{8}-\d{6}\.jpg$/);
  const file = await download.path();
  assert.ok(file !== null, 'the download was saved');
  const jpeg = fs.readFileSync(file);
  assert.ok(jpeg.length > 1000, `a real picture, got ${jpeg.length} bytes`);
  assert.deepEqual([jpeg[0], jpeg[1]], [0xff, 0xd8], 'starts with SOI');
  assert.deepEqual([jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]], [0xff, 0xd9], 'ends with EOI');
  assert.deepEqual(jpegSize(jpeg), { width: CAMERA.width, height: CAMERA.height });
  t.diagnostic(`download: ${download.suggestedFilename()} ${jpeg.length} bytes`);

  // "Add to Home Screen": Chromium reads the manifest without complaint and finds the app installable.
  const cdp = await phone.context.newCDPSession(page);
  const manifest = await cdp.send('Page.getAppManifest', {});
  assert.match(manifest.url, /\/manifest\.webmanifest\?v=[0-9a-f]{12}$/);
  assert.deepEqual(manifest.errors, []);
  assert.deepEqual((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors, []);
  await cdp.detach();

  const shots = artifactsDir();
  await page.screenshot({ path: path.join(shots, 'phone-page-portrait.png') });

  // Tap the picture: full screen; tap again: back.
  await page.tap('#picture');
  const full = await waitFor(
    () => page.evaluate(() => (document.fullscreenElement?.id ?? '') || (document.getElementById('view')!.classList.contains('expanded') ? 'view(expanded)' : '')),
    5000,
    'full screen after a tap',
  );
  assert.match(full, /^view/);
  await page.tap('#picture');
  await waitFor(() => page.evaluate(() => !document.fullscreenElement && !document.getElementById('view')!.classList.contains('expanded')), 5000, 'leaving full screen');

  // On its side the picture is as tall as the screen allows and still whole.
  await page.setViewportSize({ width: 844, height: 390 });
  const land = await page.evaluate(() => {
    const r = document.getElementById('picture')!.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, w: r.width };
  });
  assert.ok(land.bottom <= 390 + 0.5, `picture fits the landscape screen, bottom at ${land.bottom}`);
  await page.screenshot({ path: path.join(shots, 'phone-page-landscape.png') });
  await page.setViewportSize({ width: 390, height: 844 });

  assert.deepEqual(phone.problems, [], 'no page errors or CSP violations');
});

test('pool full: the page says so with a countdown and gets in once a slot frees', { timeout: TEST_TIMEOUT }, async (t) => {
  // One slot, no queue: the second viewer gets 503 + Retry-After: 2 at once.
  const { base } = await startServer(t, { camera: CAMERA, stream: { maxClients: 1, maxClientsPerIp: 1, queueSize: 0, queueTimeoutMs: 2000 } });
  await waitForCamera(base);
  // Another device (127.0.0.2) takes the only slot.
  const hog = await holdStream(`${base}/stream`, { localAddress: '127.0.0.2' });
  t.after(() => hog.close());
  assert.equal(hog.status, 200);

  const phone = await launchPhone(t);
  await phone.page.goto(`${base}/`);
  await waitForState(phone, 'busy', 15000);
  const first = await noticeText(phone);
  assert.match(first, /Server full: its one stream slot is in use — retrying in [12]\ss/);
  t.diagnostic(`busy notice: ${first}`);
  // Still full after the countdown: it counts down again (and keeps saying why).
  const seen = new Set<string>();
  await waitFor(async () => {
    const m = /retrying in (\d+)\ss/.exec(await noticeText(phone));
    if (m) seen.add(m[1]);
    return seen.size >= 2;
  }, 8000, 'the countdown to tick');
  assert.equal((await getJson(`${base}/api/status`)).slots.used, 1);
  // Meanwhile it shows a still (snapshots take no slot) rather than a broken image.
  await waitFor(() => phone.page.evaluate(() => (document.getElementById('picture') as any).src.startsWith('blob:') && (document.getElementById('picture') as any).naturalWidth === 512), 8000, 'a still while waiting');
  await phone.page.screenshot({ path: path.join(artifactsDir(), 'phone-page-busy.png') });

  hog.close();
  await waitForState(phone, 'live', 15000);
  await waitForPictureChange(phone);
  const status = await getJson(`${base}/api/status`);
  assert.equal(status.slots.used, 1);
  assert.equal(status.viewers[0].address, '127.0.0.1', 'the slot is now the page’s');
  assert.equal(await phone.page.evaluate(() => (document.getElementById('notice') as any).hidden), true, 'the busy notice is gone');
  assert.deepEqual(phone.problems.filter((p) => !/503/.test(p)), [], 'no page errors besides the refused stream');
});

test('server restart on the same port: the page shows it and resumes by itself', { timeout: TEST_TIMEOUT }, async (t) => {
  const first = await startServer(t, { camera: CAMERA });
  const phone = await launchPhone(t);
  await phone.page.goto(`${first.base}/`);
  await waitForState(phone, 'live', 15000);

  await first.app.stop();
  await waitForState(phone, 'offline', 10000);
  assert.match(await noticeText(phone), /reconnecting in \d+\ss/);
  assert.equal(await phone.page.textContent('#status-text'), 'Server unreachable');
  await phone.page.screenshot({ path: path.join(artifactsDir(), 'phone-page-offline.png') });

  const second = await startServer(t, { camera: CAMERA, server: { port: first.port } });
  assert.equal(second.port, first.port);
  await waitForState(phone, 'live', 20000);
  await waitForPictureChange(phone);
  const status = await getJson(`${second.base}/api/status`);
  assert.equal(status.slots.used, 1, 'the page streams from the new server');
  const errors = phone.problems.filter((p) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(p));
  assert.deepEqual(errors, []);
});

test('stills mode (?mode=snapshot) refreshes pictures and holds no streaming slot', { timeout: TEST_TIMEOUT }, async (t) => {
  const { base } = await startServer(t, { camera: CAMERA });
  const phone = await launchPhone(t);
  const { page } = phone;
  await page.goto(`${base}/?mode=snapshot`);
  assert.equal(await page.evaluate(() => document.body.dataset.mode), 'snapshot');
  await page.selectOption('#rate', '200');
  await waitFor(async () => Number(await page.evaluate(() => document.body.dataset.stills ?? '0')) >= 3, 10000, 'three stills');

  // Check the server several times while the page keeps refreshing.
  let checks = 0;
  const start = Number(await page.evaluate(() => document.body.dataset.stills));
  for (let i = 0; i < 5; i++) {
    const s = await getJson(`${base}/api/status`);
    assert.equal(s.slots.used, 0, 'stills hold no slot');
    assert.equal(s.viewers.length, 0);
    checks++;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(checks, 5);
  await waitForPictureChange(phone);
  const after = Number(await page.evaluate(() => document.body.dataset.stills));
  assert.ok(after > start, `stills kept coming (${start} → ${after})`);
  assert.equal(await pageState(phone), 'live');
  const line = (await page.textContent('#status-text')) ?? '';
  assert.match(line, /0\/20 viewers/);
  assert.match(line, /stills every 0\.2\ss/);
  const size = await page.evaluate(() => [(document.getElementById('picture') as any).naturalWidth, (document.getElementById('picture') as any).naturalHeight]);
  assert.deepEqual(size, [CAMERA.width, CAMERA.height]);
  await page.screenshot({ path: path.join(artifactsDir(), 'phone-page-stills.png') });
  assert.deepEqual(phone.problems, []);
});

test('where MJPEG in an <img> fails, the page falls back to stills by itself', { timeout: TEST_TIMEOUT }, async (t) => {
  const { base } = await startServer(t, { camera: CAMERA });
  const phone = await launchPhone(t);
  const { page } = phone;
  // Stand in for a browser that cannot draw multipart JPEG in an <img>: the image
  // element's stream requests get an undecodable answer. The page's own fetch probes
  // (/stream?probe=…) still reach the real server, which streams fine.
  await page.route(/\/stream(\?t=\d+)?$/, (route) => route.fulfill({ status: 200, contentType: 'image/jpeg', body: 'not a picture' }));
  await page.goto(`${base}/`);
  await waitFor(async () => (await page.evaluate(() => document.body.dataset.mode)) === 'snapshot', 20000, 'the fallback to stills');
  await waitFor(async () => Number(await page.evaluate(() => document.body.dataset.stills ?? '0')) >= 2, 10000, 'stills after the fallback');
  assert.match(await noticeText(phone), /does not play in this browser/);
  assert.equal((await getJson(`${base}/api/status`)).slots.used, 0);
  // Remembered: the next visit goes straight to stills; ?mode=stream forgets it.
  await page.goto(`${base}/`);
  await waitFor(async () => (await page.evaluate(() => document.body.dataset.mode)) === 'snapshot', 5000, 'stills remembered');
  await page.unroute(/\/stream(\?t=\d+)?$/);
  await page.goto(`${base}/?mode=stream`);
  await waitForState(phone, 'live', 15000);
  assert.equal(await page.evaluate(() => document.body.dataset.mode), 'stream');
});

test('with JavaScript off the stream still plays in a plain <img>', { timeout: TEST_TIMEOUT }, async (t) => {
  const { base } = await startServer(t, { camera: CAMERA });
  const phone = await launchPhone(t, { javaScriptEnabled: false });
  const { page } = phone;
  await page.goto(`${base}/`);
  await waitFor(() => page.evaluate(() => (document.getElementById('picture') as any).naturalWidth > 0), 10000, 'the first frame');
  const img = await page.evaluate(() => {
    const i = document.getElementById('picture') as any;
    return { src: i.getAttribute('src'), w: i.naturalWidth, h: i.naturalHeight };
  });
  assert.deepEqual(img, { src: '/stream', w: CAMERA.width, h: CAMERA.height });
  await waitForPictureChange(phone);
  assert.equal((await getJson(`${base}/api/status`)).slots.used, 1);
  // The snapshot button is a plain link that works without JavaScript.
  assert.equal(await page.getAttribute('#snap', 'href'), '/snapshot');
});

/** The test pattern behind a plug: unplugged, it fails and refuses to start again. */
class UnpluggableCamera implements FrameSource {
  readonly kind = 'testpattern';
  private plugged = true;
  private sink: FrameSink | null = null;
  private readonly inner: TestPatternSource;
  constructor(cam: ConstructorParameters<typeof TestPatternSource>[0]) {
    this.inner = new TestPatternSource(cam);
  }
  describe(): string {
    return `unpluggable ${this.inner.describe()}`;
  }
  async start(sink: FrameSink): Promise<void> {
    if (!this.plugged) throw new Error('camera unplugged (test)');
    this.sink = sink;
    await this.inner.start(sink);
  }
  async stop(): Promise<void> {
    await this.inner.stop();
  }
  unplug(): void {
    this.plugged = false;
    void this.inner.stop().then(() => this.sink?.fail(new Error('camera unplugged (test)')));
  }
  plugIn(): void {
    this.plugged = true;
  }
}

test('camera offline: the page says so over the picture and resumes when it is back', { timeout: TEST_TIMEOUT }, async (t) => {
  const camera = new UnpluggableCamera({ ...DEFAULT_CAMERA, ...CAMERA });
  const { base } = await startServer(t, { camera: CAMERA }, { source: camera });
  const phone = await launchPhone(t);
  await phone.page.goto(`${base}/`);
  await waitForState(phone, 'live', 15000);
  await waitForPictureChange(phone);

  camera.unplug();
  await waitFor(async () => /^Camera (offline|starting).*waiting for it to come back$/.test(await noticeText(phone)), 15000, 'the camera-offline notice');
  assert.match((await phone.page.textContent('#status-text')) ?? '', /^Camera (offline|starting)/);
  assert.equal(await phone.page.evaluate(() => document.body.dataset.camera), 'down');
  t.diagnostic(`camera notice: ${await noticeText(phone)}`);

  camera.plugIn();
  await waitFor(() => phone.page.evaluate(() => (document.getElementById('notice') as any).hidden), 20000, 'the notice to go');
  assert.match((await phone.page.textContent('#status-text')) ?? '', /^Live · /);
  await waitForPictureChange(phone);
  assert.equal(await pageState(phone), 'live');
  assert.equal((await getJson(`${base}/api/status`)).slots.used, 1, 'the same stream carried on');
  assert.deepEqual(phone.problems, []);
});

// The page judges a freeze over several status answers and seconds of camera frames;
// a busy machine stretches both, so the bounds here are generous (they are deadlines,
// not expectations: a fast machine gets through in about half a minute).
test('a picture frozen while the camera delivers: reconnects, then falls back to stills', { timeout: 4 * TEST_TIMEOUT }, async (t) => {
  const { base } = await startServer(t, { camera: CAMERA });
  await waitForCamera(base);
  // Someone else watches, so the server's slot count alone cannot tell our stream is dead.
  const other = await holdStream(`${base}/stream`, { localAddress: '127.0.0.2' });
  t.after(() => other.close());
  const still = Buffer.from(await (await fetch(`${base}/snapshot`)).arrayBuffer());
  const phone = await launchPhone(t);
  const { page } = phone;
  // Stand in for a browser that shows only the first frame of an MJPEG stream: the
  // <img>'s requests get a one-frame multipart answer; the page's probes and status
  // requests reach the real server, whose frames keep changing.
  let imageRequests = 0;
  await page.route(/\/stream(\?t=\d+)?$/, (route) => {
    imageRequests++;
    const head = Buffer.from(`--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${still.length}\r\n\r\n`);
    return route.fulfill({ status: 200, contentType: 'multipart/x-mixed-replace; boundary=b', body: Buffer.concat([head, still, Buffer.from('\r\n--b--\r\n')]) });
  });
  await page.goto(`${base}/`);
  await waitForState(phone, 'live', 30000);
  await waitFor(async () => (await page.evaluate(() => document.body.dataset.mode)) === 'snapshot', 240000, 'the fallback to stills');
  assert.ok(imageRequests >= 3, `reconnected before giving up (${imageRequests} stream requests from the <img>)`);
  assert.match(await noticeText(phone), /froze in this browser/);
  await waitFor(async () => Number(await page.evaluate(() => document.body.dataset.stills ?? '0')) >= 2, 10000, 'stills after the fallback');
  await waitForPictureChange(phone);
  assert.equal((await getJson(`${base}/api/status`)).slots.used, 1, 'only the other viewer holds a slot');
});

test('one status answer slower than the page waits (a busy Pi) does not tear down a playing stream', { timeout: TEST_TIMEOUT }, async (t) => {
  const { base } = await startServer(t, { camera: CAMERA });
  await waitForCamera(base);
  const phone = await launchPhone(t);
  const { page } = phone;
  let streams = 0;
  page.on('request', (r) => {
    if (/\/stream(\?t=\d+)?$/.test(r.url())) streams++;
  });
  await page.goto(`${base}/`);
  await waitForState(phone, 'live', 30000);
  assert.equal(streams, 1);
  // The next status answer comes later than the page waits for it (4 s); the ones after it are on time.
  let held = 0;
  let onTime = 0;
  await page.route(/\/api\/status$/, async (route) => {
    if (held === 0) {
      held++;
      await new Promise((r) => setTimeout(r, 6000));
    } else {
      onTime++;
    }
    await route.continue().catch(() => {}); // the page may have given up on it already
  });
  const states = new Set<string>();
  await waitFor(async () => {
    states.add(await pageState(phone));
    return held === 1 && onTime >= 3;
  }, 60000, 'one slow status answer, then three on time');
  assert.deepEqual([...states], ['live'], 'the page stayed live');
  assert.equal(streams, 1, 'the playing stream was not torn down and reconnected');
  await waitForPictureChange(phone);
});

test('a tab in the background gives its slot back and reconnects when shown', { timeout: TEST_TIMEOUT }, async (t) => {
  const { base } = await startServer(t, { camera: CAMERA });
  const phone = await launchPhone(t);
  const { page } = phone;
  await page.clock.install();
  await page.goto(`${base}/`);
  await waitForState(phone, 'live', 15000);
  assert.equal((await getJson(`${base}/api/status`)).slots.used, 1);

  await setPageHidden(page, true);
  await page.clock.fastForward(16000);
  await waitForState(phone, 'paused', 5000);
  await waitFor(async () => (await getJson(`${base}/api/status`)).slots.used === 0, 5000, 'the slot to be released');

  await setPageHidden(page, false);
  await waitForState(phone, 'live', 15000);
  assert.equal((await getJson(`${base}/api/status`)).slots.used, 1);
  await waitForPictureChange(phone);
});
