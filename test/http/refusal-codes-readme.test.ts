// README's "Refusals and error codes" table and src/errors.ts list the same codes: a
// code added without telling users what it means and what to do fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES } from '../../src/errors';
import { readmeErrorRows } from '../helpers/readme-error-codes';

test('every code in src/errors.ts has a README row saying when it happens and what to do, and no row names an unknown code', () => {
  const rows = readmeErrorRows();
  assert.ok(rows.length >= ERROR_CODES.length, `README table has rows (${rows.length})`);
  const documented = new Set(rows.map((r) => r.code));
  const known = new Set<string>(ERROR_CODES);
  assert.deepEqual([...known].filter((c) => !documented.has(c)), [], 'codes missing from the README table');
  assert.deepEqual([...documented].filter((c) => !known.has(c)), [], 'README rows naming codes errors.ts does not have');
  for (const r of rows) {
    assert.match(r.status, /^(\d{3}(, \d{3})*|closed|exit \d+|log)$/, `${r.code}: status column`);
    assert.ok(r.when.length > 10 && r.todo.length > 5, `${r.code}: says when it happens and what to do`);
  }
});
