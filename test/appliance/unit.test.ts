// The shipped unit file, checked offline with the host's own systemd tools (they work
// without a booted systemd): it parses cleanly, it is hardened to an exposure of 2.0 or
// lower, every exposure left is explained, and it has the settings the appliance needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { schema } from '../../src/config/schema';
import { NODE_FLAGS } from '../../src/platform/node-flags';

const REPO = path.resolve(__dirname, '..', '..', '..');
const UNIT = path.join(REPO, 'systemd', 'camstream.service');
const THRESHOLD = 2.0;

/**
 * A copy of the unit as install.sh installs it: the only edit is the Node.js path, so
 * `verify` (which checks that ExecStart's binary exists) sees the node running this test.
 */
function installedCopy(text = fs.readFileSync(UNIT, 'utf8')): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-unit-'));
  const file = path.join(dir, 'camstream.service');
  fs.writeFileSync(file, text.replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `));
  return file;
}

function analyze(args: string[]) {
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8', timeout: 60000, env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: 'cat' } });
  if (r.error) throw new Error(`systemd-analyze could not run (${r.error.message}); it is in Debian's systemd package`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function exposure(out: string): number {
  const m = /Overall exposure level for camstream\.service: ([0-9.]+)/.exec(out);
  assert.ok(m, `no exposure score in:\n${out}`);
  return Number(m[1]);
}

/** verify exits 1 on missing binaries and unknown sections, but only warns ("…, ignoring") on bad values. */
function verifyClean(file: string): { clean: boolean; out: string } {
  const r = analyze(['verify', file]);
  return { clean: r.code === 0 && !/unknown|ignoring|invalid|failed/i.test(r.out), out: r.out };
}

test('systemd-analyze verify accepts the unit (no unknown keys, bad values or missing binaries)', () => {
  const r = verifyClean(installedCopy());
  assert.ok(r.clean, r.out);
});

test('verify flags a broken unit, so the check above can fail', () => {
  for (const [from, to] of [
    ['Type=notify', 'Type=notifyy'],
    ['NotifyAccess=main', 'NotifyAcess=main'],
  ]) {
    const r = verifyClean(installedCopy(fs.readFileSync(UNIT, 'utf8').replace(from, to)));
    assert.equal(r.clean, false, `verify let ${to} through:\n${r.out}`);
  }
  const missing = fs.readFileSync(UNIT, 'utf8').replace('ExecStart=/usr/bin/node ', 'ExecStart=/nonexistent/node ');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-unit-')), 'camstream.service');
  fs.writeFileSync(file, missing);
  assert.equal(verifyClean(file).clean, false, 'a missing ExecStart binary is flagged');
});

test(`offline security exposure is ${THRESHOLD} or lower, enforced by --threshold`, (t) => {
  const file = installedCopy();
  const r = analyze(['security', '--offline=true', `--threshold=${THRESHOLD * 10}`, file]);
  const score = exposure(r.out);
  t.diagnostic(`exposure ${score} (systemd ${analyze(['--version']).out.split('\n')[0]})`);
  assert.equal(r.code, 0, r.out.split('\n').filter((l) => l.includes('✗')).join('\n'));
  assert.ok(score <= THRESHOLD, `exposure ${score} > ${THRESHOLD}`);
  // The threshold really bites: the same service without its hardening fails it.
  const bare = fs.readFileSync(UNIT, 'utf8').split('# --- hardening')[0];
  const b = analyze(['security', '--offline=true', `--threshold=${THRESHOLD * 10}`, installedCopy(bare)]);
  assert.ok(exposure(b.out) > THRESHOLD, `unhardened exposure ${exposure(b.out)}`);
  assert.notEqual(b.code, 0, 'systemd-analyze exits non-zero above the threshold');
});

test('every exposure left is explained by a comment in the unit', () => {
  const text = fs.readFileSync(UNIT, 'utf8');
  const comments = text.split('\n').filter((l) => l.startsWith('#')).join('\n');
  const r = analyze(['security', '--offline=true', installedCopy()]);
  const left = r.out
    .split('\n')
    .filter((l) => l.startsWith('✗'))
    .map((l) => l.slice(1).trim().split(/\s+/)[0]);
  assert.ok(left.length > 0, 'a network camera server keeps some exposure (network, devices)');
  for (const setting of left) {
    // "RestrictAddressFamilies=~AF_(INET|INET6)" → RestrictAddressFamilies + AF_INET
    const key = setting.split(/[=/]/)[0];
    const family = /AF_\(?([A-Z0-9]+)/.exec(setting)?.[1];
    const explained = family ? comments.includes(`AF_${family}`) : comments.includes(key);
    assert.ok(explained, `exposure ${setting} has no comment in systemd/camstream.service saying why`);
  }
});

test('the unit has what the appliance relies on', () => {
  const text = fs.readFileSync(UNIT, 'utf8');
  const has = (line: string) => assert.match(text, new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), `missing ${line}`);
  has('Type=notify');
  has('NotifyAccess=main');
  has('Restart=on-failure');
  has('RestartPreventExitStatus=78');
  has('User=camstream');
  has('SupplementaryGroups=video');
  has(`ExecStart=/usr/bin/node ${NODE_FLAGS.join(' ')} /opt/camstream/dist/src/cli.js serve --config /etc/camstream.json`);
  // Settings from the page are written under the StateDirectory= (writable under ProtectSystem=strict).
  has('StateDirectory=camstream');
  has('ProtectSystem=strict');
  assert.equal(schema.settings.stateDir.default, '/var/lib/camstream', 'settings.stateDir defaults to the StateDirectory=');
  assert.doesNotMatch(text, /^ReadWritePaths=.*\/etc/m, '/etc stays read-only to the service');
  const wd = /^WatchdogSec=(\d+)$/m.exec(text);
  assert.ok(wd && Number(wd[1]) >= 10, 'WatchdogSec= set, with room for a slow Pi');
  const nofile = Number(/^LimitNOFILE=(\d+)$/m.exec(text)?.[1]);
  // One descriptor per connection plus Node's own and the camera's.
  assert.ok(nofile >= schema.server.maxConnections.default + 128, `LimitNOFILE=${nofile} too small for server.maxConnections=${schema.server.maxConnections.default}`);
});
