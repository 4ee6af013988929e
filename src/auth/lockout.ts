// Per-address failure counting: after `delayAfter` wrong credentials from one address
// each further failure is answered only after `delayMs`; at `maxFailures` the address
// is locked out for `lockMs` (every request refused, right credentials too — otherwise
// the guessing simply continues). Failures are forgotten `windowMs` after the last one.
// The table is bounded: an attacker cycling through IPv6 addresses cannot grow it
// without limit (the oldest entries go first).

import { monotonicNow } from '../clock';

export interface LockoutOptions {
  delayAfter: number;
  delayMs: number;
  /** 0 = never lock out (delays still apply). */
  maxFailures: number;
  lockMs: number;
  windowMs: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  failures: number;
  lastAt: number;
  lockedUntil: number;
}

export type LockState = { locked: false } | { locked: true; retryAfterSec: number };

export class FailureTracker {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly opts: LockoutOptions) {
    this.now = opts.now ?? monotonicNow;
    this.maxEntries = opts.maxEntries ?? 10000;
  }

  get size(): number {
    return this.entries.size;
  }

  state(address: string): LockState {
    const e = this.current(address);
    if (!e || e.lockedUntil === 0) return { locked: false };
    return { locked: true, retryAfterSec: Math.max(1, Math.ceil((e.lockedUntil - this.now()) / 1000)) };
  }

  /** Record a failure; says how long to hold the answer back and whether it locked the address. */
  fail(address: string): { failures: number; delayMs: number; lockedNow: boolean } {
    const t = this.now();
    const e = this.current(address) ?? { failures: 0, lastAt: t, lockedUntil: 0 };
    e.failures++;
    e.lastAt = t;
    const lockedNow = this.opts.maxFailures > 0 && e.failures >= this.opts.maxFailures && e.lockedUntil === 0;
    if (lockedNow) e.lockedUntil = t + this.opts.lockMs;
    // Re-insert so Map order is least-recently-failed first, for eviction.
    this.entries.delete(address);
    this.entries.set(address, e);
    this.evict();
    return { failures: e.failures, delayMs: e.failures > this.opts.delayAfter ? this.opts.delayMs : 0, lockedNow };
  }

  succeed(address: string): void {
    this.entries.delete(address);
  }

  /** The live entry for an address, dropping it if it has expired. */
  private current(address: string): Entry | undefined {
    const e = this.entries.get(address);
    if (!e) return undefined;
    const t = this.now();
    const expired = e.lockedUntil !== 0 ? t >= e.lockedUntil : t - e.lastAt > this.opts.windowMs;
    if (expired) {
      this.entries.delete(address);
      return undefined;
    }
    return e;
  }

  private evict(): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const k of [...this.entries.keys()]) if (!this.current(k)) this.entries.delete(k);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
}
