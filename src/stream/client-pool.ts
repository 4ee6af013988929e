// The seed's ThreadPoolExecutor(max_thread_num), done right: a fixed number of
// streaming slots, a per-address cap, and a short FIFO queue whose waiters get a
// slot or a clear refusal (503/429 + Retry-After) — never an unanswered hang.
// With several cameras each has its own pool, and one StreamBudget shared by all
// bounds the streams of the whole process and each address's streams across cameras.
import { SlotRefused } from '../errors';

export interface PoolLimits {
  maxClients: number;
  maxClientsPerIp: number;
  queueSize: number;
  queueTimeoutMs: number;
}

export interface Slot {
  readonly id: number;
  readonly ip: string;
  /** Give the slot back. Idempotent: every exit path may call it. */
  release(): void;
}

export interface BudgetLimits {
  /** Streams of every pool together (stream.maxClientsTotal, resolved: 0 is not "no limit"). */
  maxClientsTotal: number;
  /** Streams (held and queued) of one address across every pool. */
  maxClientsPerIp: number;
}

/** Slots held plus places queued, per client address. */
class AddressCounts {
  private readonly counts = new Map<string, number>();
  get(ip: string): number {
    return this.counts.get(ip) ?? 0;
  }
  add(ip: string, delta: number): void {
    const n = this.get(ip) + delta;
    if (n <= 0) this.counts.delete(ip);
    else this.counts.set(ip, n);
  }
}

/**
 * The slots of all cameras together. A pool grants only while both its own cap and
 * the budget's total allow. When a slot frees anywhere, the waiter that arrived
 * first among those a slot can now go to gets it, whichever camera it waits for
 * (each pool stays FIFO): a camera whose viewers are many cannot starve another's.
 */
export class StreamBudget {
  private limits: BudgetLimits;
  private nextArrival = 1;
  private usedSlots = 0;
  /** Shared by every pool of this budget. */
  readonly perIp = new AddressCounts();
  private readonly pools = new Set<ClientPool>();

  constructor(limits: BudgetLimits) {
    this.limits = { ...limits };
  }

  /** New limits from a config reload: as for a pool, held slots stay; a raised total lets waiters in at once. */
  setLimits(limits: BudgetLimits): void {
    this.limits = { ...limits };
    this.handOver();
  }

  get max(): number {
    return this.limits.maxClientsTotal;
  }
  get maxClientsPerIp(): number {
    return this.limits.maxClientsPerIp;
  }
  get inUse(): number {
    return this.usedSlots;
  }
  get waiting(): number {
    let n = 0;
    for (const p of this.pools) n += p.waiting;
    return n;
  }
  get hasRoom(): boolean {
    return this.usedSlots < this.limits.maxClientsTotal;
  }

  // For ClientPool only.
  attach(pool: ClientPool): void {
    this.pools.add(pool);
  }
  detach(pool: ClientPool): void {
    this.pools.delete(pool);
  }
  arrival(): number {
    return this.nextArrival++;
  }
  taken(delta: 1 | -1): void {
    this.usedSlots += delta;
  }

  /** Free slots go to the earliest waiter a slot can go to, across pools. */
  handOver(): void {
    while (this.hasRoom) {
      let next: ClientPool | undefined;
      let first = Infinity;
      for (const p of this.pools) {
        const a = p.grantableArrival();
        if (a !== undefined && a < first) {
          first = a;
          next = p;
        }
      }
      if (!next) return;
      next.grantFirst();
    }
  }
}

interface Waiter {
  ip: string;
  /** Order of arrival across the pools of a budget. */
  arrival: number;
  resolve(slot: Slot): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
  onAbort: () => void;
  signal?: AbortSignal;
}

export class ClientPool {
  private used = 0;
  private nextId = 1;
  private closed = false;
  private nextArrival = 1;
  /** Slots held plus places queued, per client address (across every pool of the budget). */
  private readonly perIp: AddressCounts;
  private readonly waiters: Waiter[] = [];
  readonly counters = { granted: 0, queued: 0, rejectedFull: 0, rejectedPerIp: 0, rejectedTimeout: 0 };

  private limits: PoolLimits;

  /** One pool per camera; `budget`, one per process, bounds all pools together. */
  constructor(
    limits: PoolLimits,
    private readonly budget?: StreamBudget,
  ) {
    this.limits = { ...limits };
    this.perIp = budget ? budget.perIp : new AddressCounts();
    budget?.attach(this);
  }

  /**
   * New limits from a config reload. They apply to viewers that come from now on:
   * viewers already watching keep their slots even when they are now over a lowered
   * maxClients or maxClientsPerIp (cutting someone off mid-stream is worse than
   * running over by a few until they leave); newcomers are queued or refused until
   * the count is back under the cap. A raised cap lets queued viewers in at once.
   */
  setLimits(limits: PoolLimits): void {
    this.limits = { ...limits };
    this.handOverAny();
  }

  get max(): number {
    return this.limits.maxClients;
  }
  get inUse(): number {
    return this.used;
  }
  get waiting(): number {
    return this.waiters.length;
  }

  /** Seconds a refused viewer should wait before trying again. */
  get retryAfterSec(): number {
    return Math.max(1, Math.ceil(this.limits.queueTimeoutMs / 1000));
  }

  /**
   * A slot now, a slot after waiting in the queue, or a SlotRefused. If `signal`
   * aborts while queued (the viewer went away), the place is given up silently.
   */
  acquire(ip: string, signal?: AbortSignal): Promise<Slot> {
    if (this.closed) return Promise.reject(this.refuse('CAMSTREAM_ERR_SHUTTING_DOWN', 'server is shutting down', 503));
    if (signal?.aborted) return Promise.reject(signal.reason);
    const perIpCap = this.budget ? Math.min(this.limits.maxClientsPerIp, this.budget.maxClientsPerIp) : this.limits.maxClientsPerIp;
    if (this.perIp.get(ip) >= perIpCap) {
      this.counters.rejectedPerIp++;
      return Promise.reject(
        this.refuse('CAMSTREAM_ERR_PER_IP', `too many streams from ${ip}: at most ${perIpCap} per address${this.budget ? ' (all cameras together)' : ''}`, 429),
      );
    }
    // With room in the budget no waiter of another pool is held back by the total
    // (handOver would have let it in), so taking the slot now jumps nobody.
    const ownRoom = this.used < this.limits.maxClients;
    if (ownRoom && this.waiters.length === 0 && (this.budget?.hasRoom ?? true)) return Promise.resolve(this.grant(ip, true));
    if (this.waiters.length >= this.limits.queueSize || this.limits.queueTimeoutMs === 0) {
      this.counters.rejectedFull++;
      const why = ownRoom && this.budget ? `all ${this.budget.max} stream slots of all cameras are in use` : `all ${this.limits.maxClients} stream slots are in use`;
      return Promise.reject(this.refuse('CAMSTREAM_ERR_POOL_FULL', `server full: ${why}`, 503));
    }
    return new Promise<Slot>((resolve, reject) => {
      const w: Waiter = {
        ip,
        arrival: this.budget ? this.budget.arrival() : this.nextArrival++,
        resolve,
        reject,
        signal,
        timer: undefined,
        onAbort: () => {
          if (this.dequeue(w)) reject(signal?.reason ?? new Error('aborted'));
        },
      };
      w.timer = setTimeout(() => {
        if (this.dequeue(w)) {
          this.counters.rejectedTimeout++;
          reject(
            this.refuse(
              'CAMSTREAM_ERR_QUEUE_TIMEOUT',
              `server full: no stream slot became free within ${this.limits.queueTimeoutMs} ms`,
              503,
            ),
          );
        }
      }, this.limits.queueTimeoutMs);
      signal?.addEventListener('abort', w.onAbort, { once: true });
      this.waiters.push(w);
      this.addIp(ip, 1);
      this.counters.queued++;
    });
  }

  /** Refuse every waiter and every later request; held slots stay until released. */
  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) {
      if (this.dequeue(w)) w.reject(this.refuse('CAMSTREAM_ERR_SHUTTING_DOWN', 'server is shutting down', 503));
    }
    // Its held slots still count in the budget until released.
    this.budget?.detach(this);
  }

  /** For StreamBudget: the arrival of the first waiter when this pool's own cap has room for it. */
  grantableArrival(): number | undefined {
    return this.waiters.length > 0 && this.used < this.limits.maxClients ? this.waiters[0].arrival : undefined;
  }

  /** For StreamBudget: the first waiter gets a slot (the budget checked its total). */
  grantFirst(): void {
    const w = this.waiters.shift()!;
    this.cleanup(w);
    // The waiter's place already counts toward its address.
    w.resolve(this.grant(w.ip, false));
  }

  private grant(ip: string, countIp: boolean): Slot {
    this.used++;
    this.budget?.taken(1);
    this.counters.granted++;
    if (countIp) this.addIp(ip, 1);
    let released = false;
    return {
      id: this.nextId++,
      ip,
      release: () => {
        if (released) return;
        released = true;
        this.used--;
        this.budget?.taken(-1);
        this.addIp(ip, -1);
        this.handOverAny();
      },
    };
  }

  /** A slot came free (here or, with a budget, anywhere): the longest waiter gets it (FIFO). */
  private handOverAny(): void {
    if (this.budget) return this.budget.handOver();
    while (this.used < this.limits.maxClients && this.waiters.length > 0) this.grantFirst();
  }

  private dequeue(w: Waiter): boolean {
    const i = this.waiters.indexOf(w);
    if (i < 0) return false;
    this.waiters.splice(i, 1);
    this.cleanup(w);
    this.addIp(w.ip, -1);
    return true;
  }

  private cleanup(w: Waiter): void {
    clearTimeout(w.timer);
    w.signal?.removeEventListener('abort', w.onAbort);
  }

  private addIp(ip: string, delta: number): void {
    this.perIp.add(ip, delta);
  }

  private refuse(code: ConstructorParameters<typeof SlotRefused>[0], msg: string, status: 429 | 503): SlotRefused {
    return new SlotRefused(code, msg, status, this.retryAfterSec);
  }
}
