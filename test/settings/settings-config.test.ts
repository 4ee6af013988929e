// The config side of camera settings, through the real CLI: the admin flag is checked
// at load (exit 78 naming key, expected, got) and `camstream config show` says where
// each effective value came from, the state file included.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { hashPassword } from '../../src/auth/scrypt';
import { writeConfig } from '../helpers/camstream';
import { CLI } from '../helpers/serve-child';
import { runTool } from '../helpers/run-tool';

/** The real CLI as a child process (exit code, stdout as text, stderr). */
async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = await runTool(process.execPath, [CLI, ...args], { timeoutMs: 20000, env: { PATH: process.env.PATH, ...env } });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

test('check-config: "admin" must be true or false, on users and on tokens (exit 78 naming key, expected, got)', async () => {
  const passwordHash = await hashPassword('pw');
  const good = await run(['check-config', writeConfig({ auth: { users: [{ name: 'ana', passwordHash, admin: true }], tokens: [{ name: 'ci', token: 'x'.repeat(20), admin: false }] } })]);
  assert.equal(good.code, 0, good.stderr);
  const user = await run(['check-config', writeConfig({ auth: { users: [{ name: 'ana', passwordHash, admin: 'yes' }] } })]);
  assert.equal(user.code, 78);
  assert.match(user.stderr, /auth\.users: entry 1 of 1 \("ana"\) has "admin" "yes" \(string\): expected true or false/);
  const token = await run(['check-config', writeConfig({ auth: { tokens: [{ name: 'ci', token: 'x'.repeat(20), admin: 1 }] } })]);
  assert.equal(token.code, 78);
  assert.match(token.stderr, /auth\.tokens: .*has "admin" 1 \(number\): expected true or false/);
  const anon = await run(['check-config', writeConfig({ settings: { anonymousEdit: 'on' } })]);
  assert.equal(anon.code, 78);
  assert.match(anon.stderr, /settings\.anonymousEdit/);
});

test('config show: each value and where it came from, then the settings from the page in the state file', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-state-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ cameras: { default: { 'lens-position': 2.5, resolution: '1536x864' } } }));
  const file = writeConfig({ camera: { source: 'libcamera', fps: 10 }, settings: { stateDir: dir }, auth: { tokens: [{ name: 'ci', token: 'secret-token-0123456789', admin: true }] } });
  const r = await run(['config', 'show', '--config', file], { CAMSTREAM_STREAM_MAX_FPS: '12' });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes(`camera.fps = 10  in ${file}`), r.stdout);
  assert.ok(lines.includes('camera.width = 640  (default)'));
  assert.ok(lines.includes('stream.maxFps = 12  from env CAMSTREAM_STREAM_MAX_FPS'));
  assert.ok(lines.includes(`auth.tokens = (1 entry, not shown)  in ${file}`));
  assert.doesNotMatch(r.stdout, /secret-token/);
  assert.ok(lines.includes('default: lens-position = 2.5  from the state file'));
  assert.ok(lines.includes('default: camera.width = 1536  from the state file (over the config\'s value)'));

  fs.writeFileSync(path.join(dir, 'settings.json'), 'not json');
  const corrupt = await run(['config', 'show', '--config', file]);
  assert.equal(corrupt.code, 0);
  assert.match(corrupt.stdout, /\(ignored: .*settings\.json is not valid JSON/);
});
