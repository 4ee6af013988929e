// README's config reference is the table the schema renders: a key added to the
// schema without being documented for users fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { configReference } from '../../src/config/reference';

test('README.md holds the config reference rendered from the schema', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const start = '<!-- config-reference:start (generated: node dist/src/cli.js example-config --markdown) -->\n';
  const end = '<!-- config-reference:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  assert.ok(a >= 0 && b > a, 'README has the config-reference markers');
  assert.equal(readme.slice(a + start.length, b), configReference(), 'regenerate the table between the markers');
});
