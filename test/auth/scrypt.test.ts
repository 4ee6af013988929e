import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, parseHash, verifyPassword } from '../../src/auth/scrypt';

test('hashPassword makes scrypt$N$r$p$salt$hash that verifies the password and nothing else', async () => {
  const h = await hashPassword('pässword-1');
  assert.match(h, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  const parsed = parseHash(h);
  assert.equal(await verifyPassword('pässword-1', parsed), true);
  // The same text in the other Unicode normal form (NFD) is the same password.
  assert.equal(await verifyPassword('pässword-1'.normalize('NFD'), parsed), true);
  assert.equal(await verifyPassword('pässword-2', parsed), false);
  assert.equal(await verifyPassword('', parsed), false);
  assert.notEqual(await hashPassword('pässword-1'), h, 'a fresh salt each time');
});

test('parseHash says what is wrong, without repeating the value', () => {
  const cases: [unknown, RegExp][] = [
    [42, /expected a string like scrypt\$16384/],
    ['bcrypt$2b$10$abc', /expected 6 "\$"-separated fields .* got 4 field\(s\) not starting with "scrypt"/],
    ['scrypt$16383$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', /N to be a power of two/],
    ['scrypt$16384$0$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', /r to be an integer 1\.\.32, got "0"/],
    ['scrypt$16384$8$99$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', /p to be an integer 1\.\.16/],
    ['scrypt$16384$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA', /salt of at least 8 bytes, got 4/],
    ['scrypt$16384$8$1$c2FsdHNhbHQ$aGFzaA', /derived key of 16\.\.64 bytes, got 4/],
    ['scrypt$16384$8$1$salt+/=$aGFzaA', /base64url/],
  ];
  for (const [v, re] of cases) assert.throws(() => parseHash(v), re, String(v));
});
