// stream.variants is checked field by field at load: every bad name or value is a
// line naming the exact key, what was expected and what came; check-config exits 78.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/load';
import { variantsOf, variantSize } from '../../src/config/variants';
import { writeConfig } from '../helpers/camstream';
import { configProblems } from '../helpers/config-problems';
import { CLI } from '../helpers/serve-child';
import { planReload } from '../../src/reload/plan';

const exec = promisify(execFile);

test('good variants load, largest first, quality defaulting to 70; the height follows the aspect ratio', () => {
  const file = writeConfig({ stream: { variants: { low: { width: 320, quality: 50 }, mid: { width: 640 } } } });
  const { config } = loadConfig({ path: file, env: {} });
  assert.deepEqual(variantsOf(config), [
    { name: 'mid', width: 640, quality: 70 },
    { name: 'low', width: 320, quality: 50 },
  ]);
  assert.deepEqual(variantSize({ width: 320 }, 1280, 720), { width: 320, height: 180 });
  assert.deepEqual(variantSize({ width: 640 }, 640, 480), { width: 640, height: 480 }, 'never larger than the camera');
  // From the environment, as JSON; the environment wins over the file.
  const env = loadConfig({ path: file, env: { CAMSTREAM_STREAM_VARIANTS: '{"tiny": {"width": 160}}' } });
  assert.deepEqual(Object.keys(env.config.stream.variants), ['tiny']);
});

test('bad variant names and values: one line each naming the key, expected and got', () => {
  const file = writeConfig({
    stream: { variants: { Low: { width: 320 }, auto: { width: 320 }, a: { width: 5 }, b: { quality: 101, width: 320 }, c: { widht: 320 }, d: 320 } },
  });
  const problems = configProblems(() => loadConfig({ path: file, env: {} }));
  const has = (re: RegExp) => assert.ok(problems.some((p) => re.test(p)), `${re} in\n${problems.join('\n')}`);
  has(/^stream\.variants\.Low in .*: expected a variant name of a-z.*got "Low"$/);
  has(/^stream\.variants\.auto in .*: expected a variant name .*not "auto" or "full".*got "auto"$/);
  has(/^stream\.variants\.a\.width in .*: expected an integer 16\.\.7680, got 5 \(number\)$/);
  has(/^stream\.variants\.b\.quality in .*: expected an integer 1\.\.100, got 101 \(number\)$/);
  has(/^stream\.variants\.c\.widht in .*: unknown key/);
  has(/^stream\.variants\.c\.width in .*: expected an integer 16\.\.7680 .*got nothing$/);
  has(/^stream\.variants\.d in .*: expected an object .*got 320 \(number\)$/);
  const env = configProblems(() => loadConfig({ path: writeConfig({}), env: { CAMSTREAM_STREAM_VARIANTS: '{"low": {"width": "wide"}}' } }));
  assert.deepEqual(env, ['stream.variants.low.width from env CAMSTREAM_STREAM_VARIANTS: expected an integer 16..7680, got "wide" (string)']);
  const mbps = configProblems(() => loadConfig({ path: writeConfig({ stream: { maxMbps: -1 } }), env: {} }));
  assert.ok(mbps.some((p) => /^stream\.maxMbps in .*: expected a number 0\.\.10000, got -1 \(number\)$/.test(p)), mbps.join('\n'));
});

test('check-config exits 78 on a bad variant, naming it', async () => {
  const file = writeConfig({ stream: { variants: { low: { width: 99999 } } } });
  const err = await exec(process.execPath, [CLI, 'check-config', file], { timeout: 20000 }).then(
    () => assert.fail('check-config accepted a bad variant'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(err.code, 78);
  assert.match(err.stderr, /stream\.variants\.low\.width in .*: expected an integer 16\.\.7680, got 99999 \(number\)/);
});

test('a reload that changes stream.variants waits for a restart (viewers watch them by name); stream.maxMbps applies at once', () => {
  const a = loadConfig({ path: writeConfig({ stream: { variants: { low: { width: 320 } } } }), env: {} }).config;
  const b = loadConfig({ path: writeConfig({ stream: { variants: { low: { width: 240 } }, maxMbps: 5 } }), env: {} }).config;
  const plan = planReload(a, b);
  assert.deepEqual(plan.pendingRestart, ['stream.variants']);
  assert.equal(plan.effective.stream.variants.low.width, 320, 'the running variants are kept');
  assert.equal(plan.effective.stream.maxMbps, 5);
});
