// The phone page's files (web/), read once into memory at start-up: each with its
// type, a content hash (for the ETag and the ?v= cache-busting URL) and a gzip copy.
// Serving from a fixed in-memory table means no request ever reaches the file
// system, so no URL, however encoded, can name a file outside web/.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** web/ next to dist/: dist/src/http/static-assets.js → <repo or /opt/camstream>/web. */
export const DEFAULT_WEB_DIR = path.resolve(__dirname, '../../../web');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
};

/** Asset names are plain file names: no slashes, no dot-dot, no hidden files. */
export const ASSET_NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]+)+$/i;

export interface Asset {
  readonly name: string;
  readonly type: string;
  readonly body: Buffer;
  /** gzip of body when that is smaller (text types), else null. */
  readonly gzip: Buffer | null;
  /** First 12 hex digits of the body's sha256: the ?v= value in page URLs. */
  readonly hash: string;
  /** Strong ETag from the hash. */
  readonly etag: string;
}

export interface WebAssets {
  readonly dir: string;
  readonly files: ReadonlyMap<string, Asset>;
  /** index.html with asset URLs rewritten to /assets/NAME?v=HASH, or null if missing. */
  readonly indexTemplate: string | null;
  /** Sum of every file's size, bytes (the page weight budget). */
  readonly totalBytes: number;
}

export function makeAsset(name: string, body: Buffer, type = typeFor(name)): Asset {
  const hash = crypto.createHash('sha256').update(body).digest('hex').slice(0, 12);
  let gzip: Buffer | null = null;
  if (!type.startsWith('image/png')) {
    const z = zlib.gzipSync(body, { level: 9 });
    if (z.length < body.length) gzip = z;
  }
  return { name, type, body, gzip, hash, etag: `"${hash}"` };
}

export function typeFor(name: string): string {
  return TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * `/assets/NAME` and `/manifest.webmanifest` inside a file → the same with `?v=HASH`,
 * so a browser may cache them for a year and still sees a change at once.
 */
function versionUrls(text: string, files: ReadonlyMap<string, Asset>): string {
  return text.replace(/(["'(])\/(assets\/)?([A-Za-z0-9_.-]+)(["')])/g, (whole, open: string, prefix: string | undefined, name: string, close: string) => {
    const a = files.get(name);
    if (!a || (!prefix && name !== 'manifest.webmanifest')) return whole;
    return `${open}/${prefix ?? ''}${name}?v=${a.hash}${close}`;
  });
}

/**
 * Scripts with their imports of other scripts versioned: a module is made once every
 * module it imports has its hash, so a change anywhere changes the URL of every
 * module that depends on it. In an import cycle some imports stay unversioned (the
 * browser revalidates those: slower, never stale); web/ has none (a test checks).
 */
function addScripts(scripts: Map<string, string>, files: Map<string, Asset>): void {
  const imports = (text: string) => [...text.matchAll(/["']\/assets\/([A-Za-z0-9_.-]+\.js)["']/g)].map((m) => m[1]);
  let pending = [...scripts.keys()];
  while (pending.length > 0) {
    const ready = pending.filter((n) => imports(scripts.get(n)!).every((i) => i === n || !scripts.has(i) || files.has(i)));
    for (const n of ready.length > 0 ? ready : pending) files.set(n, makeAsset(n, Buffer.from(versionUrls(scripts.get(n)!, files))));
    pending = ready.length > 0 ? pending.filter((n) => !ready.includes(n)) : [];
  }
}

/** Read every known file at the top level of `dir`. A missing dir gives an empty table. */
export function loadWebAssets(dir: string): WebAssets {
  const raw = new Map<string, Buffer>();
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    entries = [];
  }
  for (const e of entries) {
    if (!e.isFile() || !ASSET_NAME.test(e.name) || !(path.extname(e.name).toLowerCase() in TYPES)) continue;
    raw.set(e.name, fs.readFileSync(path.join(dir, e.name)));
  }
  let totalBytes = 0;
  for (const b of raw.values()) totalBytes += b.length;

  // Binary and style files first, then the files that point at others: scripts (ES
  // modules import each other by "/assets/NAME.js"), the manifest (icons), index.html.
  const files = new Map<string, Asset>();
  const scripts = new Map<string, string>();
  for (const [name, body] of raw) {
    if (name.endsWith('.js')) scripts.set(name, body.toString('utf8'));
    else if (name !== 'index.html' && name !== 'manifest.webmanifest') files.set(name, makeAsset(name, body));
  }
  addScripts(scripts, files);
  const manifest = raw.get('manifest.webmanifest');
  if (manifest) files.set('manifest.webmanifest', makeAsset('manifest.webmanifest', Buffer.from(versionUrls(manifest.toString('utf8'), files))));
  const index = raw.get('index.html');
  return { dir, files, indexTemplate: index ? versionUrls(index.toString('utf8'), files) : null, totalBytes };
}

const cache = new Map<string, WebAssets>();

/** loadWebAssets once per dir: the files do not change while camstream runs. */
export function webAssets(dir = DEFAULT_WEB_DIR): WebAssets {
  let w = cache.get(dir);
  if (!w) {
    w = loadWebAssets(dir);
    cache.set(dir, w);
  }
  return w;
}
