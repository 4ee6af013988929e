// install.sh's checks that run before it changes anything, on this (build) machine:
// bad arguments, Bookworm without Node.js 20, and a machine whose PID 1 is not systemd.
// Everything it does after these checks is covered by container.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const INSTALL = path.join(REPO, 'scripts', 'install.sh');
const osRelease = fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '';
const codename = /^VERSION_CODENAME=(.*)$/m.exec(osRelease)?.[1];
const booted = fs.existsSync('/run/systemd/system');
// Where install.sh would leave traces if it got past its checks.
const TRACES = ['/opt/camstream.new', '/var/cache/camstream', '/etc/systemd/system/camstream.service'];
const tracesBefore = TRACES.filter((p) => fs.existsSync(p));

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync('bash', [INSTALL, ...args], { encoding: 'utf8', env, timeout: 60000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function assertNothingChanged(): void {
  assert.deepEqual(TRACES.filter((p) => fs.existsSync(p)), tracesBefore, 'install.sh left nothing behind');
}

test('bad arguments: exit 64 with what was expected', () => {
  for (const [args, msg] of [
    [['--port'], /--port needs a number/],
    [['--port', '70000'], /--port: expected an integer 1\.\.65535, got '70000'/],
    [['--port=http'], /expected an integer 1\.\.65535, got 'http'/],
    [['--frobnicate'], /unknown argument '--frobnicate'/],
  ] as const) {
    const r = run([...args]);
    assert.equal(r.code, 64, r.out);
    assert.match(r.out, msg);
  }
  assertNothingChanged();
});

test('--help describes the steps', () => {
  const r = run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /--port N/);
  assert.match(r.out, /rolls back/);
});

test('Bookworm with Node.js 18: a clear message on how to get Node.js 20, before touching anything', { skip: codename !== 'bookworm' ? `this machine is ${codename ?? 'not Debian'}, not bookworm` : process.getuid?.() !== 0 ? 'needs root' : false }, () => {
  // A stand-in `node` first on PATH that reports version 18, as Bookworm's nodejs does.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-node18-'));
  fs.writeFileSync(path.join(dir, 'node'), '#!/bin/sh\necho 18\n', { mode: 0o755 });
  const r = run([], { ...process.env, PATH: `${dir}:${process.env.PATH}` });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /FAILED at step 'check the system'/);
  assert.match(r.out, /ships Node\.js 18, and camstream needs Node\.js 20 or newer/);
  assert.match(r.out, /Trixie|NodeSource/);
  assertNothingChanged();
});

test('a machine whose PID 1 is not systemd is refused before anything is installed', { skip: booted ? 'this machine runs systemd: install.sh would really install here' : process.getuid?.() !== 0 ? 'needs root' : false }, () => {
  const r = run([]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /FAILED at step 'check the system': systemd is not running as PID 1/);
  assertNothingChanged();
});
