// Found by name: the Avahi service file ("camstream on HOSTNAME", _http._tcp, path) is
// valid against avahi-daemon's own DTD and install.sh fills in the port; the terminal
// QR code install.sh ends with is a real QR block. (The page's QR: test/web/qr.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/fixture-files';

const TEMPLATE = path.join(REPO_ROOT, 'config', 'avahi-camstream.service');
const LIB = path.join(REPO_ROOT, 'scripts', 'lib', 'found-by-name.sh');
const DTD = '/usr/share/avahi/avahi-service.dtd';

function validate(file: string): { ok: boolean; output: string } {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--dtdvalid', DTD, file], { encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint: ${r.error.message} (scripts/setup.sh --test installs libxml2-utils)`);
  // A relative DOCTYPE path warns (the DTD is given explicitly); errors are what count.
  return { ok: r.status === 0 && !/validity error|parser error/.test(r.stderr), output: r.stderr };
}

function lib(script: string, env: Record<string, string> = {}) {
  return spawnSync('bash', ['-c', `set -euo pipefail; . ${JSON.stringify(LIB)}; ${script}`], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
}

test('the Avahi service file is valid against avahi-daemon\'s DTD and advertises _http._tcp "camstream on %h" with a path', { skip: fs.existsSync(DTD) ? false : `${DTD} missing (apt-get install avahi-daemon)` }, () => {
  const v = validate(TEMPLATE);
  assert.ok(v.ok, v.output);
  const xml = fs.readFileSync(TEMPLATE, 'utf8');
  assert.match(xml, /<name replace-wildcards="yes">camstream on %h<\/name>/);
  assert.match(xml, /<type>_http\._tcp<\/type>/);
  assert.match(xml, /<txt-record>path=\/<\/txt-record>/);
  // The check can fail: a service without its port is rejected.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-avahi-'));
  try {
    const broken = path.join(dir, 'broken.service');
    fs.writeFileSync(broken, xml.replace(/<port>\d+<\/port>/, ''));
    assert.equal(validate(broken).ok, false, 'a service with no <port> fails validation');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('install_avahi_service writes the configured port (still valid); remove_avahi_service removes it; install.sh and uninstall.sh use them', { skip: fs.existsSync(DTD) ? false : `${DTD} missing` }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-avahi-'));
  try {
    const r = lib(`install_avahi_service ${JSON.stringify(TEMPLATE)} 8123`, { AVAHI_SERVICES: dir });
    assert.equal(r.status, 0, r.stderr);
    const out = path.join(dir, 'camstream.service');
    assert.match(fs.readFileSync(out, 'utf8'), /<port>8123<\/port>/);
    assert.ok(validate(out).ok);
    assert.notEqual(lib(`install_avahi_service ${JSON.stringify(TEMPLATE)} http`, { AVAHI_SERVICES: dir }).status, 0, 'a non-numeric port is refused');
    assert.equal(lib('remove_avahi_service', { AVAHI_SERVICES: dir }).status, 0);
    assert.equal(fs.existsSync(out), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const install = fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'install.sh'), 'utf8');
  assert.match(install, /pkgs\+=\(qrencode avahi-daemon\)/);
  assert.match(install, /install_avahi_service "\$APP\/config\/avahi-camstream.service"/);
  assert.match(install, /print_qr "\$first_url"/);
  assert.match(fs.readFileSync(path.join(REPO_ROOT, 'scripts', 'uninstall.sh'), 'utf8'), /rm -f \/etc\/avahi\/services\/camstream\.service/);
});

test('print_qr draws the URL as a QR block of text (what install.sh ends with)', { skip: spawnSync('qrencode', ['-V']).error ? 'qrencode missing' : false }, () => {
  const r = lib("print_qr 'http://192.168.1.20:8080/'");
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.split('\n').filter((l) => /[█▀▄]/.test(l));
  // Version 2 (25 modules) + 2 quiet modules a side, two modules per text row.
  assert.ok(rows.length >= 13, `${rows.length} rows:\n${r.stdout}`);
  const widths = new Set(rows.map((l) => [...l.replace(/\x1b\[[0-9;]*m/g, '')].length));
  assert.equal(widths.size, 1, 'every row the same width: a square block');
});
