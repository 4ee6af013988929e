// The seed's ThreadPoolExecutor(max_thread_num), done right: a fixed number of
// streaming slots, a per-address cap, and a short FIFO queue whose waiters get a
// slot or a clear refusal (503/429 + Retry-After) — never an unanswered hang.
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

interface Waiter {
  ip: string;
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
  /** Slots held plus places queued, per client address. */
  private readonly perIp = new Map<string, number>();
  private readonly waiters: Waiter[] = [];
  readonly counters = { granted: 0, queued: 0, rejectedFull: 0, rejectedPerIp: 0, rejectedTimeout: 0 };

  private limits: PoolLimits;

  constructor(limits: PoolLimits) {
    this.limits = { ...limits };
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
    this.handOver();
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
    if ((this.perIp.get(ip) ?? 0) >= this.limits.maxClientsPerIp) {
      this.counters.rejectedPerIp++;
      return Promise.reject(
        this.refuse('CAMSTREAM_ERR_PER_IP', `too many streams from ${ip}: at most ${this.limits.maxClientsPerIp} per address`, 429),
      );
    }
    if (this.used < this.limits.maxClients && this.waiters.length === 0) return Promise.resolve(this.grant(ip, true));
    if (this.waiters.length >= this.limits.queueSize || this.limits.queueTimeoutMs === 0) {
      this.counters.rejectedFull++;
      return Promise.reject(
        this.refuse('CAMSTREAM_ERR_POOL_FULL', `server full: all ${this.limits.maxClients} stream slots are in use`, 503),
      );
    }
    return new Promise<Slot>((resolve, reject) => {
      const w: Waiter = {
        ip,
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
  }

  private grant(ip: string, countIp: boolean): Slot {
    this.used++;
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
        this.addIp(ip, -1);
        this.handOver();
      },
    };
  }

  /** A slot came free: the longest waiter gets it (FIFO). */
  private handOver(): void {
    while (this.used < this.limits.maxClients && this.waiters.length > 0) {
      const w = this.waiters.shift()!;
      this.cleanup(w);
      // The waiter's place already counts toward its address.
      w.resolve(this.grant(w.ip, false));
    }
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
    const n = (this.perIp.get(ip) ?? 0) + delta;
    if (n <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, n);
  }

  private refuse(code: ConstructorParameters<typeof SlotRefused>[0], msg: string, status: 429 | 503): SlotRefused {
    return new SlotRefused(code, msg, status, this.retryAfterSec);
  }
}
