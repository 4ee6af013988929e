// Checks credentials against config.auth: users (Basic, scrypt hashes) and tokens.
// Knows nothing of HTTP; src/http/auth.ts turns its answers into status codes.
import crypto from 'node:crypto';
import { DEFAULT_PARAMS, parseHash, verifyPassword, type ScryptHash } from './scrypt';
import { Limiter } from './limiter';
import { TokenSet, type TokenEntry } from './tokens';
import { VerifyCache } from './verify-cache';

export interface UserEntry {
  name: string;
  passwordHash: string;
}

export interface AuthenticatorOptions {
  users: readonly UserEntry[];
  tokens: readonly TokenEntry[];
  verifyCacheMs: number;
  now?: () => number;
}

/** ok: the user or token name; bad: wrong credentials; busy: too many verifications queued. */
export type Verdict = { result: 'ok'; name: string; cached: boolean } | { result: 'bad' } | { result: 'busy' };

export class Authenticator {
  private readonly users = new Map<string, ScryptHash>();
  private readonly tokens: TokenSet;
  private readonly cache: VerifyCache;
  // One scrypt at a time (16 MiB each) and a few waiting: enough for people logging in.
  private readonly limiter = new Limiter(1, 16);
  // Unknown user names still cost one scrypt, so timing does not tell which names exist.
  private readonly dummy: ScryptHash = { ...DEFAULT_PARAMS, salt: crypto.randomBytes(16), hash: crypto.randomBytes(32) };

  constructor(opts: AuthenticatorOptions) {
    for (const u of opts.users) this.users.set(u.name, parseHash(u.passwordHash));
    this.tokens = new TokenSet(opts.tokens);
    this.cache = new VerifyCache(opts.verifyCacheMs, 256, opts.now);
  }

  /** No users and no tokens: access control is off. */
  get enabled(): boolean {
    return this.users.size > 0 || this.tokens.size > 0;
  }

  get acceptsPasswords(): boolean {
    return this.users.size > 0;
  }

  isUser(name: string): boolean {
    return this.users.has(name);
  }

  async checkPassword(user: string, password: string): Promise<Verdict> {
    const key = this.cache.key('basic', `${user}\0${password}`);
    const hit = this.cache.get(key);
    if (hit !== null) return { result: 'ok', name: hit, cached: true };
    const stored = this.users.get(user);
    const ok = await this.limiter.run(() => verifyPassword(password, stored ?? this.dummy));
    if (ok === null) return { result: 'busy' };
    if (!ok || !stored) return { result: 'bad' };
    this.cache.set(key, user);
    return { result: 'ok', name: user, cached: false };
  }

  checkToken(token: string): Verdict {
    const name = this.tokens.match(token);
    return name === null ? { result: 'bad' } : { result: 'ok', name, cached: false };
  }
}
