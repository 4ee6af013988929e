// install.sh's checks that run before it changes anything, on this (build) machine:
// bad arguments, Bookworm without Node.js 20, a machine whose PID 1 is not systemd, and
// too little memory + swap for the OpenCV compile (a stand-in /proc/meminfo).
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

/** A /proc/meminfo stand-in (kB, as the kernel writes it) for install.sh's memory check. */
function meminfo(availMb: number, swapFreeMb: number, swapTotalMb = swapFreeMb): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-meminfo-')), 'meminfo');
  const kb = (mb: number) => `${mb * 1024} kB`;
  fs.writeFileSync(file, `MemTotal:       ${kb(availMb + 100)}\nMemFree:        ${kb(availMb - 50)}\nMemAvailable:   ${kb(availMb)}\nSwapTotal:      ${kb(swapTotalMb)}\nSwapFree:       ${kb(swapFreeMb)}\n`);
  return file;
}
const cacheReusable = fs.existsSync('/var/cache/camstream/build/.deps-stamp');
const memorySkip = process.getuid?.() !== 0 ? 'needs root' : cacheReusable ? 'a build cache in /var/cache/camstream makes install.sh skip the memory check' : false;

test('a Pi Zero 2 W (512 MB, 100 MB swap) is told to add swap, and how, before anything is installed', { skip: memorySkip }, () => {
  // What a Zero 2 W with Raspberry Pi OS's default dphys-swapfile shows.
  const env: NodeJS.ProcessEnv = { ...process.env, CAMSTREAM_MEMINFO: meminfo(330, 99, 99) };
  delete env.JOBS;
  const r = run([], env);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /FAILED at step 'check the system': not enough memory \+ swap for the OpenCV compile/);
  assert.match(r.out, /needs about 1200 MB \(1 job\(s\) x 1000 MB measured peak/);
  assert.match(r.out, /330 MB of RAM available and 99 MB of swap free/);
  assert.match(r.out, /Add at least 1024 MB of swap/);
  assert.match(r.out, /CONF_SWAPSIZE=1280 .*\/etc\/dphys-swapfile/s);
  assert.match(r.out, /fallocate -l 1024M \/var\/swap\.camstream/);
  assert.doesNotMatch(r.out, /== install Debian packages/);
  assertNothingChanged();
});

test('JOBS set higher than memory allows: refused, suggesting JOBS=1', { skip: memorySkip }, () => {
  const r = run([], { ...process.env, JOBS: '3', CAMSTREAM_MEMINFO: meminfo(1000, 0) });
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /needs about 3200 MB \(3 job\(s\)/);
  assert.match(r.out, /Or fewer parallel jobs: JOBS=1 \(you set JOBS=3\)/);
  assertNothingChanged();
});

test('compile jobs follow free memory: one per 1000 MB beyond the reserve, at most one per CPU, swap only to get one', { skip: booted ? 'this machine runs systemd: install.sh would go on to install here' : memorySkip }, () => {
  const cpus = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim());
  for (const [avail, swap, jobs, swapping] of [
    [4000, 0, Math.min(cpus, 3), false],
    [1500, 0, 1, false],
    [400, 2048, 1, true],
  ] as const) {
    const env: NodeJS.ProcessEnv = { ...process.env, CAMSTREAM_MEMINFO: meminfo(avail, swap) };
    delete env.JOBS;
    const r = run([], env);
    // On this machine install.sh then stops at the systemd check, before installing anything.
    assert.match(r.out, /systemd is not running as PID 1/, r.out);
    const line = /memory: (\d+) compile job\(s\) for the OpenCV bindings \((\d+) MB RAM available, (\d+) MB swap free.*/.exec(r.out);
    assert.ok(line, r.out);
    assert.deepEqual([Number(line[1]), Number(line[2]), Number(line[3])], [jobs, avail, swap], line[0]);
    assert.equal(/it will use swap/.test(line[0]), swapping, line[0]);
  }
  assertNothingChanged();
});
