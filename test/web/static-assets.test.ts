// The page's files over real HTTP: types, ETag/304, caching, CSP and friends, path
// traversal refused (encoded too), and the page weight budget.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { DEFAULT_WEB_DIR, loadWebAssets } from '../../src/http/static-assets';
import { renderPage } from '../../src/http/routes/page';
import { startServer } from '../helpers/camstream';

const WEB = DEFAULT_WEB_DIR;
const BUDGET = 50 * 1024;
// All of web/: the first load (BUDGET, below) plus what is fetched only on demand — the
// Settings sheet (web/settings.js, imported when the sheet is first opened).
const WEB_DIR_BUDGET = 58 * 1024;

/** One raw request, bytes exactly as given (no client-side URL normalisation). */
function rawGet(port: number, target: string, timeoutMs = 5000): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer to GET ${target} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('connect', () => s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    s.on('data', (c) => chunks.push(c));
    s.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    s.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const [head, ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: rest.join('\r\n\r\n') });
    });
  });
}

test('web/ is small, self-contained and has no inline script or style', () => {
  const files = fs.readdirSync(WEB);
  for (const need of ['index.html', 'app.js', 'style.css', 'manifest.webmanifest', 'icon.svg', 'icon-192.png', 'icon-512.png', 'icon-180.png']) {
    assert.ok(files.includes(need), `web/${need} exists`);
  }
  const total = files.reduce((n, f) => n + fs.statSync(path.join(WEB, f)).size, 0);
  assert.ok(total < WEB_DIR_BUDGET, `web/ is ${total} bytes, budget ${WEB_DIR_BUDGET}`);
  assert.equal(loadWebAssets(WEB).totalBytes, total);

  const html = fs.readFileSync(path.join(WEB, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/i, 'no inline <script>');
  assert.doesNotMatch(html, /<style/i, 'no <style> element');
  assert.doesNotMatch(html, /\sstyle=/i, 'no style attributes');
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  for (const f of files.filter((n) => /\.(html|js|css|webmanifest|svg)$/.test(n))) {
    const text = fs.readFileSync(path.join(WEB, f), 'utf8').replace('http://www.w3.org/2000/svg', '');
    assert.doesNotMatch(text, /(https?:)?\/\/[a-z0-9-]+\.[a-z]/i, `web/${f} loads nothing from other hosts`);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(WEB, 'manifest.webmanifest'), 'utf8'));
  assert.equal(manifest.start_url, '/');
  assert.equal(manifest.display, 'standalone');
  assert.ok(manifest.icons.some((i: { sizes: string; type: string }) => i.sizes === '512x512' && i.type === 'image/png'));
  for (const icon of manifest.icons) assert.ok(files.includes(path.basename(icon.src)), `manifest icon ${icon.src} exists`);
});

test('asset URLs in the page and manifest carry the content hash', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-web-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'index.html'), '<link href="/assets/a.css"><img src="{{src}}"><a href="/snapshot">x</a><link rel="manifest" href="/manifest.webmanifest">');
  fs.writeFileSync(path.join(dir, 'a.css'), 'body{}');
  fs.writeFileSync(path.join(dir, 'manifest.webmanifest'), '{"icons":[{"src":"/assets/i.png"}]}');
  fs.writeFileSync(path.join(dir, 'i.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  fs.writeFileSync(path.join(dir, '.secret'), 'no');
  const web = loadWebAssets(dir);
  const css = web.files.get('a.css')!;
  const png = web.files.get('i.png')!;
  const mf = web.files.get('manifest.webmanifest')!;
  assert.equal(web.files.has('.secret'), false, 'hidden files are never served');
  assert.match(css.hash, /^[0-9a-f]{12}$/);
  assert.equal(css.etag, `"${css.hash}"`);
  assert.equal(web.indexTemplate, `<link href="/assets/a.css?v=${css.hash}"><img src="{{src}}"><a href="/snapshot">x</a><link rel="manifest" href="/manifest.webmanifest?v=${mf.hash}">`);
  assert.equal(mf.body.toString(), `{"icons":[{"src":"/assets/i.png?v=${png.hash}"}]}`);
  assert.equal(renderPage('<img src="{{src}}" width="{{width}}" data-x="{{nope}}">', 'snapshot', 320, 240), '<img src="/snapshot" width="320" data-x="{{nope}}">');
  // Missing web dir: an empty table, not a crash.
  assert.equal(loadWebAssets(path.join(dir, 'absent')).files.size, 0);
});

test('the page and its assets: types, ETag/304, caching, CSP, nosniff, gzip', async (t) => {
  const { base } = await startServer(t, { camera: { width: 320, height: 240 } });

  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const csp = page.headers.get('content-security-policy') ?? '';
  for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:", "object-src 'none'", "base-uri 'none'"]) {
    assert.ok(csp.includes(d), `CSP has ${d}: ${csp}`);
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = await page.text();
  assert.match(html, /<img id="picture" src="\/stream" width="320" height="240"/, 'a plain <img src="/stream"> at the configured size');
  assert.doesNotMatch(html, /\{\{/, 'every placeholder filled');
  const etag = page.headers.get('etag')!;
  assert.match(etag, /^"[0-9a-f]{12}"$/);
  const again = await fetch(`${base}/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal((await again.text()).length, 0);

  const stills = await fetch(`${base}/?mode=snapshot`);
  assert.equal(stills.status, 200);
  const stillsHtml = await stills.text();
  assert.match(stillsHtml, /<img id="picture" src="\/snapshot"/);
  assert.match(stillsHtml, /data-mode="snapshot"/);
  assert.notEqual(stills.headers.get('etag'), etag);
  const bad = await fetch(`${base}/?mode=video`);
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /mode: expected "stream" or "snapshot", got "video"/);

  // Every asset the page names, at its versioned URL.
  const urls = [...html.matchAll(/(?:href|src)="(\/(?:assets\/[^"]+|manifest\.webmanifest[^"]*))"/g)].map((m) => m[1]);
  assert.ok(urls.length >= 5, `assets named: ${urls.join(' ')}`);
  const want: Record<string, RegExp> = {
    '.js': /^text\/javascript; charset=utf-8$/,
    '.css': /^text\/css; charset=utf-8$/,
    '.svg': /^image\/svg\+xml$/,
    '.png': /^image\/png$/,
    '.webmanifest': /^application\/manifest\+json; charset=utf-8$/,
  };
  let weight = Buffer.byteLength(html);
  for (const u of urls) {
    assert.match(u, /\?v=[0-9a-f]{12}$/, `${u} is versioned`);
    const res = await fetch(`${base}${u}`, { headers: { 'Accept-Encoding': 'identity' } });
    assert.equal(res.status, 200, u);
    const ext = path.extname(u.replace(/\?.*$/, ''));
    assert.match(res.headers.get('content-type') ?? '', want[ext], `${u} type`);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', `${u} cached for good`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const bodyLen = (await res.arrayBuffer()).byteLength;
    weight += bodyLen;
    const e = res.headers.get('etag')!;
    const cached = await fetch(`${base}${u}`, { headers: { 'If-None-Match': `W/${e}, "other"` } });
    assert.equal(cached.status, 304, `${u} revalidates to 304`);
  }
  assert.ok(weight < BUDGET, `first load (without the manifest's icons) ${weight} bytes, budget ${BUDGET}`);
  t.diagnostic(`page weight: ${weight} bytes over ${urls.length + 1} files`);

  // Without the hash (or a stale one) the browser must revalidate.
  const plain = await fetch(`${base}/assets/app.js?v=000000000000`);
  assert.equal(plain.headers.get('cache-control'), 'no-cache');

  // gzip when asked, same bytes once unpacked.
  const gz = await rawGzip(`${base}/assets/app.js`);
  assert.equal(gz.encoding, 'gzip');
  assert.deepEqual(zlib.gunzipSync(gz.body), fs.readFileSync(path.join(WEB, 'app.js')));
  assert.ok(gz.body.length < fs.statSync(path.join(WEB, 'app.js')).size / 2);

  // Asking for the manifest and the favicon at their usual addresses works too.
  assert.equal((await fetch(`${base}/manifest.webmanifest`)).status, 200);
  const fav = await fetch(`${base}/favicon.ico`);
  assert.equal(fav.status, 200);
  assert.equal(fav.headers.get('content-type'), 'image/png');
});

/** fetch() unpacks gzip itself; ask with node:http to see the bytes on the wire. */
async function rawGzip(url: string): Promise<{ encoding: string | undefined; body: Buffer }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'Accept-Encoding': 'gzip' }, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
  });
}

test('path traversal and unknown names are refused, encoded or not', async (t) => {
  const { port } = await startServer(t);
  const secret = fs.readFileSync(path.resolve(WEB, '..', 'package.json'), 'utf8').slice(0, 40);
  const cases: [string, number][] = [
    ['/assets/..%2f..%2fpackage.json', 400],
    ['/assets/..%2F..%2Fpackage.json', 400],
    ['/assets/%2e%2e%2fpackage.json', 400],
    ['/assets/%2E%2E%2F%2E%2E%2Fpackage.json', 400],
    ['/assets/..%5c..%5cpackage.json', 400],
    ['/assets/%252e%252e%252fpackage.json', 400],
    ['/assets/app.js%00.png', 400],
    ['/assets/.gitignore', 400],
    ['/assets/..', 400],
    ['/assets/../package.json', 404],
    ['/assets/../../package.json', 404],
    ['/assets/nope.js', 404],
    ['/assets/index.html', 404],
    ['/web/app.js', 404],
    ['/package.json', 404],
    ['/%2e%2e/package.json', 404],
  ];
  for (const [target, status] of cases) {
    const res = await rawGet(port, target);
    assert.equal(res.status, status, `GET ${target}: ${res.head.split('\r\n')[0]} ${res.body.trim()}`);
    assert.ok(!res.body.includes(secret), `GET ${target} leaked package.json`);
    if (status === 400) assert.match(res.body, /bad asset name .*expected a plain file name/, `GET ${target} refused by the asset route`);
  }
  const ok = await rawGet(port, '/assets/app.js');
  assert.equal(ok.status, 200, 'the control request works');
});
