// Debian's Chromium driven by playwright-core, dressed as a phone (390x844, touch),
// with a fresh profile per launch. Page errors and console errors (a CSP violation is
// one) are collected so a test can assert there were none.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// Browser globals, used only inside page.evaluate callbacks (tsconfig has no DOM lib).
declare const document: any;

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Phone {
  context: BrowserContext;
  page: Page;
  /** Uncaught page exceptions and console.error lines, CSP reports included. */
  problems: string[];
  downloadsDir: string;
}

export interface PhoneOptions {
  javaScriptEnabled?: boolean;
  viewport?: { width: number; height: number };
  /** Answer the server's Basic challenge as a person typing it into the login prompt would. */
  httpCredentials?: { username: string; password: string };
  /** A PEM certificate this phone trusts as if a CA had signed it (for server.tls tests). */
  trustCert?: string;
}

/** Chromium's --ignore-certificate-errors-spki-list value for a PEM certificate: base64 sha256 of its public key. */
function spkiHash(pemFile: string): string {
  const der = new crypto.X509Certificate(fs.readFileSync(pemFile)).publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(der).digest('base64');
}

/** Launch a phone-sized Chromium; it is closed and its profile removed when the test ends. */
export async function launchPhone(t: TestContext, opts: PhoneOptions = {}): Promise<Phone> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (scripts/setup.sh --test does: apt-get install chromium)`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-chromium-'));
  const downloadsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-downloads-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // A trusted certificate rather than ignoreHTTPSErrors: the page runs as a proper
    // secure origin, as on a phone that trusts the camera's certificate.
    args: opts.trustCert ? [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${spkiHash(opts.trustCert)}`] : CHROMIUM_ARGS,
    viewport: opts.viewport ?? { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    javaScriptEnabled: opts.javaScriptEnabled ?? true,
    acceptDownloads: true,
    ...(opts.httpCredentials ? { httpCredentials: opts.httpCredentials } : {}),
    downloadsPath: downloadsDir,
    // Starting Chromium takes seconds on an idle machine and far longer on a busy one.
    timeout: 60000,
  });
  t.after(async () => {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(downloadsDir, { recursive: true, force: true });
  });
  context.setDefaultTimeout(15000);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  return { context, page, problems, downloadsDir };
}

/** A hash of the picture as drawn into a small canvas: changes when the frame does. */
export async function pictureHash(page: Page, selector = '#picture'): Promise<string> {
  return page.evaluate((sel) => {
    const img = document.querySelector(sel) as any;
    const c = document.createElement('canvas');
    c.width = 64;
    c.height = 48;
    const g = c.getContext('2d')!;
    // A broken or not yet decoded image cannot be drawn (or draws nothing): "blank".
    if (!img || !img.complete || img.naturalWidth === 0) return 'blank';
    try {
      g.drawImage(img, 0, 0, c.width, c.height);
    } catch {
      return 'blank';
    }
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    let lit = 0;
    for (let i = 0; i < d.length; i++) {
      h = (Math.imul(h, 31) + d[i]) | 0;
      if (d[i] > 16) lit++;
    }
    // A blank canvas (nothing drawn) would hash the same every time: say so instead.
    return lit === 0 ? 'blank' : String(h);
  }, selector);
}

/** Tell the page it is hidden (a tab in the background, a locked phone) or shown again. */
export async function setPageHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/** Where test artifacts (screenshots) go: <repo>/artifacts, which git ignores. */
export function artifactsDir(): string {
  // dist/test/helpers/phone-browser.js → <repo>/artifacts
  const dir = path.resolve(__dirname, '../../../artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
