// Per-integration tokens (OctoPrint, NVRs, scripts: tools that cannot do Basic auth).
// Tokens are long random strings, so one SHA-256 is enough to store them (no scrypt:
// nothing to brute-force), and comparing digests gives fixed-length inputs for
// crypto.timingSafeEqual whatever length the client sent.
import crypto from 'node:crypto';

export interface TokenEntry {
  name: string;
  /** May change camera settings (the admin scope). */
  admin?: boolean;
  token?: string;
  tokenHash?: string;
}

export const MIN_TOKEN_LENGTH = 16;
export const TOKEN_HASH_EXAMPLE = 'sha256$<64 hex digits>';
const TOKEN_HASH = /^sha256\$([0-9a-f]{64})$/;

export function sha256(s: string): Buffer {
  return crypto.createHash('sha256').update(s, 'utf8').digest();
}

/** What is wrong with one configured token entry, or null. Never quotes the secret. */
export function tokenEntryProblem(e: unknown): string | null {
  if (!e || typeof e !== 'object' || Array.isArray(e)) return 'is not an object with "name" and "token" or "tokenHash"';
  const t = e as Record<string, unknown>;
  const extra = Object.keys(t).filter((k) => k !== 'name' && k !== 'token' && k !== 'tokenHash' && k !== 'admin');
  if (extra.length > 0) return `has unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')} (expected "name" and "token" or "tokenHash", and optionally "admin")`;
  if (t.admin !== undefined && typeof t.admin !== 'boolean') return `has "admin" ${typeof t.admin === 'string' ? JSON.stringify(t.admin) + ' (string)' : String(t.admin) + ` (${typeof t.admin})`}: expected true or false (true = this token may change camera settings)`;
  if (typeof t.name !== 'string' || t.name.trim() === '') return 'has no "name" (a label for logs, e.g. "octoprint")';
  if ((t.token === undefined) === (t.tokenHash === undefined)) return 'needs exactly one of "token" and "tokenHash"';
  if (t.token !== undefined && (typeof t.token !== 'string' || t.token.length < MIN_TOKEN_LENGTH)) {
    return `has a "token" shorter than ${MIN_TOKEN_LENGTH} characters (make one with openssl rand -hex 16)`;
  }
  if (t.tokenHash !== undefined && (typeof t.tokenHash !== 'string' || !TOKEN_HASH.test(t.tokenHash))) {
    return `has a "tokenHash" not of the form ${TOKEN_HASH_EXAMPLE} (printf %s TOKEN | sha256sum)`;
  }
  return null;
}

export class TokenSet {
  private readonly digests: { name: string; digest: Buffer }[];

  constructor(entries: readonly TokenEntry[]) {
    this.digests = entries.map((e) => ({
      name: e.name,
      digest: e.tokenHash !== undefined ? Buffer.from(TOKEN_HASH.exec(e.tokenHash)![1], 'hex') : sha256(e.token!),
    }));
  }

  get size(): number {
    return this.digests.length;
  }

  /** The name of the matching token, or null. Compares against every entry, no early exit. */
  match(presented: string): string | null {
    const d = sha256(presented);
    let found: string | null = null;
    for (const t of this.digests) {
      if (crypto.timingSafeEqual(d, t.digest) && found === null) found = t.name;
    }
    return found;
  }
}
