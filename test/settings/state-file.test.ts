// The state file is replaced atomically and durably: written to a temporary file,
// fsynced, renamed over the old one, and the folder fsynced — seen in the system calls
// a real write makes (strace), in that order. A write that fails leaves the old file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readState, writeState } from '../../src/settings/state-file';

function tmpDir(t: import('node:test').TestContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-state-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

test('write: temp file, fsync, rename over settings.json, fsync of the folder (strace)', (t) => {
  const dir = tmpDir(t);
  const mod = path.join(__dirname, '../../src/settings/state-file.js');
  const script = `require(${JSON.stringify(mod)}).writeState(${JSON.stringify(dir)}, { cameras: { default: { awb: 'daylight' } } })`;
  const r = spawnSync('strace', ['-f', '-e', 'trace=openat,fsync,rename,renameat,renameat2', process.execPath, '-e', script], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const lines = r.stderr.split('\n').filter((l) => l.includes(dir) || /^(\[pid\s+\d+\] )?fsync\(/.test(l));
  const fdOf = (re: RegExp) => {
    const l = lines.find((x) => re.test(x));
    assert.ok(l, `no ${re} in:\n${lines.join('\n')}`);
    return Number(/= (\d+)$/.exec(l)![1]);
  };
  const tmpFd = fdOf(/openat\(.*settings\.json\.\d+\.tmp", O_WRONLY\|O_CREAT\|O_TRUNC/);
  const dirFd = fdOf(new RegExp(`openat\\(.*"${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}", O_RDONLY`));
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const fsyncTmp = at(new RegExp(`fsync\\(${tmpFd}\\)`));
  const rename = at(/rename(at2?)?\(.*settings\.json\.\d+\.tmp".*settings\.json"/);
  const fsyncDir = lines.findIndex((l, i) => i > rename && new RegExp(`fsync\\(${dirFd}\\)`).test(l));
  assert.ok(fsyncTmp >= 0 && rename > fsyncTmp && fsyncDir > rename, `order fsync(tmp) ${fsyncTmp} < rename ${rename} < fsync(dir) ${fsyncDir}:\n${lines.join('\n')}`);
  assert.deepEqual(readState(dir), { data: { cameras: { default: { awb: 'daylight' } } } });
  assert.deepEqual(fs.readdirSync(dir), ['settings.json']);
});

test('a write that cannot complete leaves the old file as it was', (t) => {
  const dir = tmpDir(t);
  writeState(dir, { cameras: { default: { awb: 'cloudy' } } });
  const before = fs.readFileSync(path.join(dir, 'settings.json'));
  // Something in the way of the temporary file: the write fails before touching settings.json.
  fs.mkdirSync(path.join(dir, `settings.json.${process.pid}.tmp`));
  assert.throws(() => writeState(dir, { cameras: { default: { awb: 'daylight' } } }), /EISDIR/);
  assert.deepEqual(fs.readFileSync(path.join(dir, 'settings.json')), before);
});

test('read: no file is no settings; unreadable shapes are reported, values of the wrong kind dropped', (t) => {
  const dir = tmpDir(t);
  assert.deepEqual(readState(dir), { data: { cameras: {} } });
  fs.writeFileSync(path.join(dir, 'settings.json'), '[1, 2]');
  assert.match(readState(dir).problem!, /has no "cameras" object/);
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ cameras: { a: { ev: 1, bad: { x: 1 }, awb: 'auto' }, b: 'nope' } }));
  assert.deepEqual(readState(dir), { data: { cameras: { a: { ev: 1, awb: 'auto' } } } });
});
