// Remembers credentials that verified, briefly, so a snapshot poller at 15 fps does
// not run scrypt 15 times a second. Keys are an HMAC of the credentials under a key
// made fresh at start-up: the cache never holds a password, nor a plain hash of one
// that could be attacked offline. Only successes are cached; the table is bounded.
import crypto from 'node:crypto';
import { monotonicNow } from '../clock';

export class VerifyCache {
  private readonly secret = crypto.randomBytes(32);
  private readonly entries = new Map<string, { user: string; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 256,
    private readonly now: () => number = monotonicNow,
  ) {}

  key(kind: string, credential: string): string {
    return crypto.createHmac('sha256', this.secret).update(kind).update('\0').update(credential).digest('base64');
  }

  get(key: string): string | null {
    if (this.ttlMs === 0) return null;
    const e = this.entries.get(key);
    if (!e) return null;
    if (this.now() >= e.until) {
      this.entries.delete(key);
      return null;
    }
    return e.user;
  }

  set(key: string, user: string): void {
    if (this.ttlMs === 0) return;
    this.entries.delete(key);
    this.entries.set(key, { user, until: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
}
