// The service's Node.js flags (src/platform/node-flags.ts) are the ones the unit, `npm
// start` and scripts/dev.sh run with, and this Node.js takes them and applies them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NODE_FLAGS, SERVICE_ENV } from '../../src/platform/node-flags';

const ROOT = path.join(__dirname, '..', '..', '..');

/** The words between the node binary and the script in a command line. */
function flagsOf(line: string, script: RegExp): string[] {
  const words = line.trim().split(/\s+/);
  const at = words.findIndex((w) => script.test(w));
  assert.ok(at > 0, `no ${script} in: ${line}`);
  return words.slice(1, at);
}

test('the unit, npm start and scripts/dev.sh run node with NODE_FLAGS', () => {
  assert.ok(NODE_FLAGS.length > 0);
  const unit = fs.readFileSync(path.join(ROOT, 'systemd', 'camstream.service'), 'utf8');
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? '';
  assert.deepEqual(flagsOf(exec, /cli\.js$/), [...NODE_FLAGS], 'systemd/camstream.service ExecStart');
  // The benchmarks' environment is the unit's.
  const env = Object.fromEntries([...unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  assert.deepEqual(env, { ...SERVICE_ENV });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.deepEqual(flagsOf(pkg.scripts.start, /cli\.js$/), [...NODE_FLAGS], 'package.json scripts.start');
  const dev = /^exec node .*$/m.exec(fs.readFileSync(path.join(ROOT, 'scripts', 'dev.sh'), 'utf8'))?.[0] ?? '';
  assert.deepEqual(flagsOf(dev.replace(/^exec /, ''), /cli\.js$/), [...NODE_FLAGS], 'scripts/dev.sh');
});

test('this Node.js accepts NODE_FLAGS and applies them (1 MB semi-spaces: a young generation of at most 3 MB)', () => {
  // An unknown or misspelt V8 flag makes node exit with "bad option" instead of serving.
  const probe = `const v8 = require('v8');
    const young = v8.getHeapSpaceStatistics().filter((s) => s.space_name === 'new_space')[0];
    // Fill the young generation many times over: with V8's default it grows to 16 MB semi-spaces.
    let keep = []; for (let i = 0; i < 200000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 20000) keep = []; }
    const after = v8.getHeapSpaceStatistics().filter((s) => s.space_name === 'new_space')[0];
    console.log(JSON.stringify({ before: young.space_size, after: after.space_size }));`;
  const flagged = JSON.parse(execFileSync(process.execPath, [...NODE_FLAGS, '-e', probe], { encoding: 'utf8' })) as { after: number };
  const plain = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })) as { after: number };
  assert.ok(flagged.after <= 3 * 1024 * 1024, `young generation with NODE_FLAGS: ${flagged.after} bytes`);
  assert.ok(plain.after > flagged.after, `without the flags the young generation grows past ${flagged.after} bytes (got ${plain.after})`);
});
