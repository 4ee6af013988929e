// The shell scripts a user runs as root (install, uninstall, setup, the test rootfs)
// stay clean under `shellcheck -S warning`: a warning there is usually a real bug
// (an unset variable in an error path, a word split on a path with spaces).
// shellcheck is a test dependency (scripts/setup.sh --test installs it): missing is a
// failure, not a skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTool } from '../helpers/run-tool';

const REPO = path.resolve(__dirname, '..', '..', '..');
const DIRS = ['scripts', 'scripts/container'];

/** Every *.sh in DIRS, so a new script is checked without editing this test. */
function scripts(): string[] {
  return DIRS.flatMap((d) =>
    fs
      .readdirSync(path.join(REPO, d))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => path.join(d, f)),
  ).sort();
}

test('shellcheck -S warning finds nothing in scripts/*.sh and scripts/container/*.sh', async () => {
  const files = scripts();
  assert.ok(files.includes('scripts/install.sh') && files.includes('scripts/container/rootfs.sh'), `found: ${files.join(' ')}`);
  const r = await runTool('shellcheck', ['-S', 'warning', '-f', 'gcc', ...files], { timeoutMs: 60000, cwd: REPO });
  assert.ok(r.code !== null, `shellcheck did not finish (${r.timedOut ? 'timed out' : r.signal})`);
  assert.equal(r.code, 0, `shellcheck warnings:\n${r.stdout.toString()}${r.stderr}`);
});

test('the check can fail: shellcheck reports the warning install.sh once had (SC2154 in an ERR trap)', async (t) => {
  // The exact shape of the old install.sh line 48, so a shellcheck that is missing,
  // stubbed out or silently ignoring -S warning cannot pass the test above.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-shellcheck-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'old-trap.sh');
  fs.writeFileSync(file, `#!/usr/bin/env bash\nset -e\nstep=x\ntrap 'rc=$?; echo "failed at $step (exit $rc)" >&2; exit $rc' ERR\n`);
  const r = await runTool('shellcheck', ['-S', 'warning', '-f', 'gcc', file], { timeoutMs: 60000 });
  assert.equal(r.code, 1, `${r.stdout.toString()}${r.stderr}`);
  assert.match(r.stdout.toString(), /SC2154/);
});
