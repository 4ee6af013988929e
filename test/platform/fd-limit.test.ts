import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { checkFdLimit, FD_HEADROOM, softNofile } from '../../src/platform/fd-limit';
import { capturingLogger } from '../helpers/camstream';

const limits = (soft: string, hard = '524288') =>
  `Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \nMax open files            ${soft}                 ${hard}               files     \n`;

test('reads the soft open-file limit from /proc/self/limits', () => {
  assert.equal(softNofile(limits('4096')), 4096);
  assert.equal(softNofile(limits('unlimited')), null);
  assert.equal(softNofile('nothing here'), null);
  // The real file of this process parses to a number.
  assert.ok(Number.isInteger(softNofile(fs.readFileSync('/proc/self/limits', 'utf8'))));
});

test('warns, naming both settings, when maxConnections does not fit under the limit', () => {
  const { log, lines } = capturingLogger('warn');
  assert.equal(checkFdLimit(4096, log, limits('4096')), 4096);
  const w = lines()[0];
  assert.match(String(w.msg), /server\.maxConnections \(4096\).*LimitNOFILE=/);
  assert.equal(w.needed, 4096 + FD_HEADROOM);
});

test('stays quiet when it fits (the unit: LimitNOFILE=4096, default maxConnections 256)', () => {
  const { log, lines } = capturingLogger('warn');
  assert.equal(checkFdLimit(256, log, limits('4096')), null);
  assert.equal(checkFdLimit(4096 - FD_HEADROOM, log, limits('4096')), null);
  assert.equal(lines().length, 0);
});
