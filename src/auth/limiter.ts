// At most `parallel` scrypt verifications at once, with a short bounded queue. scrypt
// runs on libuv's thread pool, which the camera's JPEG encode shares: a flood of
// wrong passwords must not be able to starve the camera, so past the queue the
// request is refused at once (503) instead of waiting.

export class Limiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly parallel: number,
    private readonly maxQueued: number,
  ) {}

  /** Run `fn` when a place is free; null if the queue is full (fn not run). */
  async run<T>(fn: () => Promise<T>): Promise<T | null> {
    if (this.running >= this.parallel) {
      if (this.queue.length >= this.maxQueued) return null;
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await fn();
    } finally {
      // Hand the place straight to the next waiter (running stays the same), or free it.
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
