// Password hashes as one self-describing string: scrypt$N$r$p$salt$hash
// (salt and hash in base64url, no padding). The parameters travel with the hash so
// they can be raised later without invalidating hashes already in config files.
//
// Verification runs crypto.scrypt (libuv's thread pool, off the event loop) and compares
// the derived key with crypto.timingSafeEqual: both sides have the stored key's length.
import crypto from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface ScryptHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

/** 16 MiB and ~50 ms on a desktop core, a few hundred ms on a Pi Zero: the usual interactive-login cost. */
export const DEFAULT_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1 };
const KEY_LEN = 32;
const SALT_LEN = 16;
// Bounds on what a config file may ask for: a typo like N=2^30 must not eat the Pi's RAM.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
const MAX_MEM = 256 * 1024 * 1024;

export const HASH_EXAMPLE = 'scrypt$16384$8$1$<salt>$<hash>';
const B64URL = /^[A-Za-z0-9_-]+$/;

/** Memory scrypt needs for these parameters (Node refuses to start when it exceeds maxmem). */
function memoryFor({ N, r, p }: ScryptParams): number {
  return 128 * N * r * p + 128 * r * 258;
}

/**
 * Parse a stored hash; throws an Error whose message says what was expected and what
 * is wrong (never echoing the hash itself, which ends up in config error output).
 */
export function parseHash(s: unknown): ScryptHash {
  if (typeof s !== 'string') throw new Error(`expected a string like ${HASH_EXAMPLE}`);
  const parts = s.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    throw new Error(`expected 6 "$"-separated fields like ${HASH_EXAMPLE} (make one with camstream hash-password), got ${parts.length} field(s)${parts[0] !== 'scrypt' ? ' not starting with "scrypt"' : ''}`);
  }
  const [, n, r, p, salt, hash] = parts;
  const num = (v: string, name: string, max: number, pow2 = false): number => {
    const x = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(x) || x < 1 || x > max || (pow2 && (x < 2 || (x & (x - 1)) !== 0))) {
      throw new Error(`expected scrypt ${name} to be ${pow2 ? 'a power of two 2..' : 'an integer 1..'}${max}, got ${JSON.stringify(v)}`);
    }
    return x;
  };
  const params = { N: num(n, 'N', MAX_N, true), r: num(r, 'r', MAX_R), p: num(p, 'p', MAX_P) };
  if (memoryFor(params) > MAX_MEM) throw new Error(`expected scrypt parameters needing at most ${MAX_MEM >> 20} MiB, these need ${Math.ceil(memoryFor(params) / 2 ** 20)} MiB`);
  if (!B64URL.test(salt) || !B64URL.test(hash)) throw new Error('expected salt and hash in base64url (A-Z a-z 0-9 - _)');
  const saltBuf = Buffer.from(salt, 'base64url');
  const hashBuf = Buffer.from(hash, 'base64url');
  if (saltBuf.length < 8) throw new Error(`expected a salt of at least 8 bytes, got ${saltBuf.length}`);
  if (hashBuf.length < 16 || hashBuf.length > 64) throw new Error(`expected a derived key of 16..64 bytes, got ${hashBuf.length}`);
  return { ...params, salt: saltBuf, hash: hashBuf };
}

/** crypto.scrypt, looked up at call time (so tests can count the calls), as a promise. */
export function deriveKey(password: string | Buffer, salt: Buffer, keyLen: number, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(password, salt, keyLen, { ...params, maxmem: memoryFor(params) + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = crypto.randomBytes(SALT_LEN);
  const key = await deriveKey(password.normalize('NFC'), salt, KEY_LEN, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Does `password` match `stored`? Constant-time on the derived key. */
export async function verifyPassword(password: string, stored: ScryptHash): Promise<boolean> {
  const key = await deriveKey(password.normalize('NFC'), stored.salt, stored.hash.length, stored);
  return crypto.timingSafeEqual(key, stored.hash);
}
