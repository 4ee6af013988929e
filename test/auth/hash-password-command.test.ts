// `camstream hash-password` as users run it: piped stdin, and a real terminal (a pty
// from util-linux `script`) where it prompts twice with echo off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseHash, verifyPassword } from '../../src/auth/scrypt';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli.js');

test('from stdin: prints one scrypt hash line that verifies the password', async () => {
  const r = spawnSync('node', [CLI, 'hash-password'], { input: 'piped-password-1\nignored second line\n', encoding: 'utf8', timeout: 15000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1);
  assert.match(lines[0], /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
  assert.equal(await verifyPassword('piped-password-1', parseHash(lines[0])), true);
  assert.equal(await verifyPassword('ignored second line', parseHash(lines[0])), false);
});

test('from stdin: a short or empty password is refused with what was expected', () => {
  for (const [input, got] of [['short\n', 5], ['', 0]] as const) {
    const r = spawnSync('node', [CLI, 'hash-password'], { input, encoding: 'utf8', timeout: 15000 });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '', 'nothing printed');
    assert.match(r.stderr, new RegExp(`expected a password of at least 8 characters, got ${got}`));
  }
});

/** Run hash-password on a pty; answer each prompt as it appears. */
function onTerminal(answers: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', `node ${CLI} hash-password`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let asked = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hash-password on a terminal did not finish: ${JSON.stringify(out)}`));
    }, 20000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const prompts = (out.match(/Password: |Again: /g) ?? []).length;
      while (asked < prompts && asked < answers.length) child.stdin.write(`${answers[asked++]}\r`);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, out });
    });
  });
}

test('on a terminal: prompts twice without echo, prints the hash', async () => {
  const r = await onTerminal(['terminal-password-1', 'terminal-password-1']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /Password: /);
  assert.match(r.out, /Again: /);
  assert.ok(!r.out.includes('terminal-password-1'), `the password was echoed: ${JSON.stringify(r.out)}`);
  const hash = /scrypt\$[^\s]+/.exec(r.out)?.[0];
  assert.ok(hash, r.out);
  assert.equal(await verifyPassword('terminal-password-1', parseHash(hash)), true);
});

test('on a terminal: two different entries print nothing and fail', async () => {
  const r = await onTerminal(['terminal-password-1', 'terminal-password-2']);
  assert.equal(r.code, 1);
  assert.match(r.out, /the two passwords differ; nothing printed/);
  assert.doesNotMatch(r.out, /scrypt\$/);
});
