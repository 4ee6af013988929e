// The config layer stands below HTTP: http/ reads config, never the other way round
// (config/formats.ts once imported parseCidr and frameAncestorsProblem from http/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

test('nothing in src/config/ imports from src/http/', () => {
  const dir = path.join(__dirname, '..', '..', '..', 'src', 'config');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 5, `found the config sources in ${dir}`);
  const offenders = files.filter((f) => /from\s+['"]\.\.\/http(\/|['"])/.test(fs.readFileSync(path.join(dir, f), 'utf8')));
  assert.deepEqual(offenders, [], 'config files importing from http/');
});
