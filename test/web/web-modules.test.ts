// The page's ES modules: every import between them carries the imported file's
// content hash (so all of them may be cached for a year and a change anywhere still
// reaches the browser at once), served as JavaScript, cached like the other assets.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_WEB_DIR, loadWebAssets } from '../../src/http/static-assets';
import { startServer } from '../helpers/camstream';

const IMPORT = /["']\/assets\/([A-Za-z0-9_.-]+\.js)(\?v=[0-9a-f]{12})?["']/g;

test('web/: every module URL, in the page and in the modules, carries its file\'s hash', () => {
  const web = loadWebAssets(DEFAULT_WEB_DIR);
  const modules = [...web.files.values()].filter((a) => a.name.endsWith('.js'));
  assert.ok(modules.length >= 6, `the page is split into modules: ${modules.map((m) => m.name).join(' ')}`);
  let imports = 0;
  for (const m of modules) {
    for (const [whole, name, v] of m.body.toString('utf8').matchAll(IMPORT)) {
      const target = web.files.get(name);
      assert.ok(target, `${m.name} imports ${name}, which exists`);
      assert.equal(v, `?v=${target.hash}`, `${m.name}: ${whole} is versioned`);
      imports++;
    }
  }
  assert.ok(imports >= 8, `modules import each other (${imports} imports seen)`);
  const named = [...web.indexTemplate!.matchAll(IMPORT)].map((m) => m[1] + (m[2] ?? ''));
  assert.ok(named.includes(`app.js?v=${web.files.get('app.js')!.hash}`), `index.html loads app.js, versioned: ${named.join(' ')}`);
  for (const n of named) assert.match(n, /\?v=[0-9a-f]{12}$/, `${n} in index.html is versioned`);
  assert.match(web.indexTemplate!, /<script type="module" src="\/assets\/app\.js\?v=/);
  // The entry imports nobody by URL, so it is served byte for byte as stored.
  assert.deepEqual(web.files.get('app.js')!.body, fs.readFileSync(path.join(DEFAULT_WEB_DIR, 'app.js')));
});

test('a change in an imported module changes the URL of every module that imports it', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-modules-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (c: string) => {
    fs.writeFileSync(path.join(dir, 'index.html'), '<script type="module" src="/assets/a.js"></script>');
    fs.writeFileSync(path.join(dir, 'a.js'), "import { b } from '/assets/b.js';\nb();\n");
    fs.writeFileSync(path.join(dir, 'b.js'), "import { c } from \"/assets/c.js\";\nexport const b = () => c;\n");
    fs.writeFileSync(path.join(dir, 'c.js'), `export const c = ${c};\n`);
    return loadWebAssets(dir);
  };
  const one = write('1');
  const two = write('2');
  const [a1, b1, c1] = ['a.js', 'b.js', 'c.js'].map((n) => one.files.get(n)!);
  assert.equal(b1.body.toString(), `import { c } from "/assets/c.js?v=${c1.hash}";\nexport const b = () => c;\n`);
  assert.equal(a1.body.toString(), `import { b } from '/assets/b.js?v=${b1.hash}';\nb();\n`);
  assert.equal(one.indexTemplate, `<script type="module" src="/assets/a.js?v=${a1.hash}"></script>`);
  for (const n of ['a.js', 'b.js', 'c.js']) assert.notEqual(one.files.get(n)!.hash, two.files.get(n)!.hash, `${n}: new content below it, new URL`);
  assert.notEqual(one.indexTemplate, two.indexTemplate);
});

test('an import cycle is served, unversioned where it closes, rather than refused', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-modules-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'x.js'), "import '/assets/y.js';\n");
  fs.writeFileSync(path.join(dir, 'y.js'), "import '/assets/x.js';\n");
  const web = loadWebAssets(dir);
  assert.deepEqual([...web.files.keys()].sort(), ['x.js', 'y.js']);
});

test('every module over HTTP: JavaScript, immutable at its versioned URL, nosniff, CSP', async (t) => {
  const { base } = await startServer(t);
  const page = await fetch(`${base}/`);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/, 'module scripts from this origin are allowed');
  const html = await page.text();
  const web = loadWebAssets(DEFAULT_WEB_DIR);
  const urls = new Set<string>([...html.matchAll(IMPORT)].map((m) => `/assets/${m[1]}${m[2] ?? ''}`));
  for (const a of web.files.values()) for (const m of a.body.toString('utf8').matchAll(IMPORT)) if (a.name.endsWith('.js')) urls.add(`/assets/${m[1]}${m[2] ?? ''}`);
  assert.ok(urls.size >= 6, [...urls].join(' '));
  for (const u of urls) {
    const res = await fetch(`${base}${u}`);
    assert.equal(res.status, 200, u);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8', u);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', u);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', u);
    await res.arrayBuffer();
  }
});
