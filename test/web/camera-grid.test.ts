// The phone page with several cameras, in real Chromium at 390x844 against a real
// camstream with two test-pattern cameras of different sizes (so each tile's picture
// can be told apart): "/" is a grid of stills that holds no streaming slot, a tap
// opens /cam/NAME/ playing that camera's stream; one camera keeps the single view.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { hashPassword } from '../../src/auth/scrypt';
import { getJson, startServer, waitFor, type Overrides } from '../helpers/camstream';
import { holdStream } from '../helpers/held-stream';
import { artifactsDir, launchPhone, pictureHash, setPageHidden, type Phone } from '../helpers/phone-browser';

// Browser globals, used only inside page.evaluate callbacks (tsconfig has no DOM lib).
declare const document: any;

const TEST_TIMEOUT = 120000;
const FRONT = { width: 512, height: 288 };
const SIDE = { width: 320, height: 180 };
const TWO_CAMERAS = {
  camera: { source: 'testpattern', fps: 10 },
  cameras: { front: FRONT, side: SIDE },
};

const tileImg = (name: string) => `.tile[data-camera="${name}"] img`;
const pageState = (phone: Phone) => phone.page.evaluate(() => document.body.dataset.state);
const stills = (phone: Phone, name: string) =>
  phone.page.evaluate((n) => Number(document.querySelector(`.tile[data-camera="${n}"]`)?.dataset.stills ?? 0), name);

/** A picture in `selector`, then a different one: frames are moving there. */
async function waitForChange(phone: Phone, selector: string, timeoutMs = 15000): Promise<string> {
  const first = await waitFor(async () => {
    const h = await pictureHash(phone.page, selector);
    return h === 'blank' ? '' : h;
  }, timeoutMs, `a picture in ${selector}`);
  return waitFor(async () => {
    const now = await pictureHash(phone.page, selector);
    return now !== 'blank' && now !== first ? now : '';
  }, timeoutMs, `the picture in ${selector} to change`);
}

/** Streaming slots in use, per camera and in all, from /api/status. */
async function slotsUsed(base: string): Promise<Record<string, number>> {
  const s = await getJson(`${base}/api/status`);
  return Object.fromEntries([...s.cameras.map((c: { name: string; slots: { used: number } }) => [c.name, c.slots.used]), ['top', s.slots.used]]);
}

test('two cameras: a grid of moving stills that fits the phone, holds no slot, pauses while hidden', { timeout: TEST_TIMEOUT }, async (t) => {
  const { base } = await startServer(t, TWO_CAMERAS);
  await waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, 60000, 'both cameras live');
  const phone = await launchPhone(t);
  const { page } = phone;
  const snapshots: string[] = [];
  const streams: string[] = [];
  page.on('request', (r) => {
    if (/\/snapshot(\?|$)/.test(r.url())) snapshots.push(new URL(r.url()).pathname);
    if (/\/stream(\?|$)/.test(r.url())) streams.push(new URL(r.url()).pathname);
  });
  await page.goto(`${base}/`);
  await waitFor(async () => (await page.evaluate(() => document.body.dataset.view)) === 'grid', 15000, 'the grid');

  // Both cameras move, each in its own tile, at its own size.
  await waitForChange(phone, tileImg('front'));
  await waitForChange(phone, tileImg('side'));
  const tiles = await page.evaluate(() => [...document.querySelectorAll('.tile')].map((el: any) => {
    const r = el.getBoundingClientRect();
    const img = el.querySelector('img');
    return { name: el.dataset.camera, href: el.getAttribute('href'), text: el.textContent, left: r.left, top: r.top, bottom: r.bottom, width: r.width, height: r.height, natural: [img.naturalWidth, img.naturalHeight] };
  }));
  assert.deepEqual(tiles.map((x) => x.name), ['front', 'side'], 'one tile per camera, in config order');
  assert.deepEqual(tiles.map((x) => x.href), ['/cam/front/', '/cam/side/']);
  assert.deepEqual(tiles[0].natural, [FRONT.width, FRONT.height], 'the front tile shows the front camera');
  assert.deepEqual(tiles[1].natural, [SIDE.width, SIDE.height], 'the side tile shows the side camera');
  assert.notEqual(await pictureHash(page, tileImg('front')), await pictureHash(page, tileImg('side')), 'the two tiles show different pictures');
  // One column of 16:9 tiles, both on the screen of a phone held upright.
  for (const x of tiles) {
    assert.ok(x.width > 340 && x.width <= 390, `${x.name} tile spans the width: ${x.width}`);
    assert.ok(Math.abs(x.height - (x.width * 9) / 16) < 2, `${x.name} tile is 16:9: ${x.width}x${x.height}`);
    assert.ok(x.bottom <= 844, `${x.name} tile is on screen: bottom ${x.bottom}`);
  }
  assert.equal(tiles[0].left, tiles[1].left, 'one column');
  assert.ok(tiles[1].top >= tiles[0].bottom, 'the second tile below the first');
  // Name and state on each tile.
  await waitFor(async () => {
    const text = await page.evaluate(() => [...document.querySelectorAll('.tile')].map((el: any) => el.textContent));
    return text.every((s: string) => /fps$/.test(s)) ? text : '';
  }, 10000, 'both tiles saying live with their fps');
  assert.match(tiles[0].text, /^front/);
  assert.match(tiles[1].text, /^side/);
  assert.match((await page.textContent('#status-text')) ?? '', /^2 cameras · \d live$/);
  await page.screenshot({ path: path.join(artifactsDir(), 'camera-grid-portrait.png') });

  // The tiles refresh from snapshots and hold no streaming slot (checked while they refresh).
  const before = await stills(phone, 'front');
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(await slotsUsed(base), { front: 0, side: 0, top: 0 }, 'no slot held by the grid');
    await waitFor(async () => (await stills(phone, 'front')) > before + i, 10000, 'the next still');
  }
  assert.ok(snapshots.includes('/cam/front/snapshot') && snapshots.includes('/cam/side/snapshot'), `each tile asks its camera: ${[...new Set(snapshots)].join(' ')}`);
  // The page as served shows camera 0's still (/snapshot) until the script builds the grid:
  // at most that one request by the old URL, and no stream opened at all.
  assert.ok(snapshots.filter((u) => u === '/snapshot').length <= 1, 'no tile asks the first camera by its old URL');
  assert.deepEqual(streams, [], 'the grid page never opens a stream');

  // Hidden page: no more snapshots; shown again: they resume.
  await setPageHidden(page, true);
  // A still already on its way may land; after that nothing is asked for: two quiet
  // 3 s windows in a row (visible, the two tiles ask about 3 times a second).
  let asked = -1;
  await waitFor(async () => {
    const n = snapshots.length;
    await new Promise((r) => setTimeout(r, 3000));
    const quiet = snapshots.length === n && asked === n;
    asked = snapshots.length;
    return quiet;
  }, 40000, 'the snapshots to stop while hidden');
  await setPageHidden(page, false);
  await waitFor(() => snapshots.length >= asked + 2, 15000, 'snapshots again once visible');
  assert.deepEqual(phone.problems, [], 'no page errors or CSP violations');
});

test('tapping a tile opens /cam/NAME/, playing that camera alone; back to the grid frees the slot', { timeout: TEST_TIMEOUT }, async (t) => {
  const { base } = await startServer(t, TWO_CAMERAS);
  const phone = await launchPhone(t);
  const { page } = phone;
  await page.goto(`${base}/`);
  await waitFor(async () => (await stills(phone, 'side')) > 0, 30000, 'a still in the side tile');
  await page.tap('.tile[data-camera="side"]');
  await page.waitForURL(`${base}/cam/side/`);
  await waitFor(async () => (await pageState(phone)) === 'live', 30000, 'the side camera playing');
  const img = await page.evaluate(() => {
    const i = document.getElementById('picture') as any;
    return { src: new URL(i.src).pathname, natural: [i.naturalWidth, i.naturalHeight], grid: document.body.dataset.view ?? '' };
  });
  assert.deepEqual(img, { src: '/cam/side/stream', natural: [SIDE.width, SIDE.height], grid: '' });
  await waitForChange(phone, '#picture');
  // Its own stream slot, nobody else's; its own status line, snapshot and links.
  await waitFor(async () => {
    const s = await slotsUsed(base);
    return s.side === 1 && s.front === 0;
  }, 10000, 'one slot, on the side camera');
  const line = await waitFor(async () => {
    const text = (await page.textContent('#status-text')) ?? '';
    return /^Live · .* fps · 320×180 · 1\/\d+ viewers?$/.test(text) ? text : '';
  }, 10000, 'the side camera in the status line');
  t.diagnostic(`status line: ${line}`);
  assert.equal(await page.title(), 'side · camstream');
  assert.equal(await page.getAttribute('#snap', 'href'), '/cam/side/snapshot');
  assert.equal(await page.getAttribute('#link-stream', 'href'), '/cam/side/stream');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10000 }), page.tap('#snap')]);
  assert.match(download.suggestedFilename(), /^camstream-side-\d{8}-\d{6}\.jpg$/);
  await page.screenshot({ path: path.join(artifactsDir(), 'camera-grid-opened.png') });

  // Back to the grid: the stream ends, its slot is free again.
  assert.equal(await page.isVisible('#back'), true, 'a way back to the grid');
  await page.tap('#back');
  await page.waitForURL(`${base}/`);
  await waitFor(async () => (await page.evaluate(() => document.body.dataset.view)) === 'grid', 15000, 'the grid again');
  await waitFor(async () => (await slotsUsed(base)).side === 0, 10000, 'the slot freed');

  // The camera page is bookmarkable: opened directly, it plays that camera.
  await page.goto(`${base}/cam/front/`);
  await waitFor(async () => (await pageState(phone)) === 'live', 30000, 'the front camera playing');
  assert.deepEqual(await page.evaluate(() => [(document.getElementById('picture') as any).naturalWidth, new URL((document.getElementById('picture') as any).src).pathname]), [FRONT.width, '/cam/front/stream']);
  await waitForChange(phone, '#picture');
  assert.deepEqual(phone.problems, [], 'no page errors or CSP violations');
});

// As on the single page (phone-page.test.ts), but on the second camera's page: the
// verdict must come from that camera's own frame counters in /api/status.
test('/cam/NAME/: a picture frozen while that camera delivers reconnects, then falls back to stills', { timeout: 4 * TEST_TIMEOUT }, async (t) => {
  const { base } = await startServer(t, TWO_CAMERAS);
  await waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, 60000, 'both cameras live');
  // Someone else watches, so the slot count alone cannot tell our stream is dead.
  const other = await holdStream(`${base}/cam/side/stream`, { localAddress: '127.0.0.2' });
  t.after(() => other.close());
  const still = Buffer.from(await (await fetch(`${base}/cam/side/snapshot`)).arrayBuffer());
  const phone = await launchPhone(t);
  const { page } = phone;
  // A browser that shows only the first frame: the <img>'s stream requests get one frame.
  let imageRequests = 0;
  await page.route(/\/cam\/side\/stream(\?t=\d+)?$/, (route) => {
    imageRequests++;
    const head = Buffer.from(`--b\r\nContent-Type: image/jpeg\r\nContent-Length: ${still.length}\r\n\r\n`);
    return route.fulfill({ status: 200, contentType: 'multipart/x-mixed-replace; boundary=b', body: Buffer.concat([head, still, Buffer.from('\r\n--b--\r\n')]) });
  });
  await page.goto(`${base}/cam/side/`);
  await waitFor(async () => (await pageState(phone)) === 'live', 30000, 'the side camera playing');
  await waitFor(async () => (await page.evaluate(() => document.body.dataset.mode)) === 'snapshot', 240000, 'the fallback to stills');
  assert.ok(imageRequests >= 3, `reconnected before giving up (${imageRequests} stream requests from the <img>)`);
  assert.match((await page.textContent('#notice')) ?? '', /froze in this browser/);
  await waitForChange(phone, '#picture');
  assert.equal(new URL(await page.evaluate(() => (document.getElementById('picture') as any).src)).protocol, 'blob:', 'stills of the side camera');
  assert.equal((await slotsUsed(base)).side, 1, 'only the other viewer holds a slot');
});

test('one camera: "/" is the single view, as before', { timeout: TEST_TIMEOUT }, async (t) => {
  const configs: Overrides[] = [{ camera: { source: 'testpattern', ...FRONT } }, { camera: { source: 'testpattern' }, cameras: { only: FRONT } }];
  for (const config of configs) {
    const { base } = await startServer(t, config);
    const phone = await launchPhone(t);
    const { page } = phone;
    await page.goto(`${base}/`);
    await waitFor(async () => (await pageState(phone)) === 'live', 30000, `the single view live (${JSON.stringify(config)})`);
    const view = await page.evaluate(() => ({
      grid: document.body.dataset.view ?? '',
      tiles: document.querySelectorAll('.tile').length,
      src: new URL((document.getElementById('picture') as any).src).pathname,
      back: document.getElementById('back').hidden,
    }));
    assert.deepEqual(view, { grid: '', tiles: 0, src: '/stream', back: true });
    await waitForChange(phone, '#picture');
    assert.match((await page.textContent('#status-text')) ?? '', /^Live · /);
    assert.deepEqual(phone.problems, []);
  }
});

test('with a password (Basic auth) the grid and the camera pages work, and nothing is served without it', { timeout: TEST_TIMEOUT }, async (t) => {
  const users = [{ name: 'ana', passwordHash: await hashPassword('grid-password-1') }];
  const { base } = await startServer(t, { ...TWO_CAMERAS, auth: { users } });
  for (const p of ['/', '/cam/front/', '/cam/front/snapshot', '/cam/side/stream', '/assets/grid.js', '/api/status']) {
    assert.equal((await fetch(`${base}${p}`)).status, 401, `${p} without the login`);
  }
  const phone = await launchPhone(t, { httpCredentials: { username: 'ana', password: 'grid-password-1' } });
  const { page } = phone;
  await page.goto(`${base}/`);
  await waitForChange(phone, tileImg('front'));
  await waitForChange(phone, tileImg('side'));
  await page.tap('.tile[data-camera="front"]');
  await page.waitForURL(`${base}/cam/front/`);
  await waitFor(async () => (await pageState(phone)) === 'live', 30000, 'the front camera playing');
  await waitForChange(phone, '#picture');
  assert.deepEqual(phone.problems.filter((p) => !/401/.test(p)), []);
});
