// The client side of the soak bench (bench/soak.ts): viewers that come and go in the
// ways real ones do, and the pollers. Everything is loopback, bounded in count and in
// lifetime, and stops when `stop()` is called.
import http from 'node:http';
import net from 'node:net';
import { int, type Rng } from '../test/helpers/prng';

export interface LoadCounters {
  viewers: number;
  /** Viewers the server ended before the client meant to leave (stalled slow readers, full pool). */
  cutByServer: number;
  /** Viewers turned away at once (pool full, per-address cap: 503/429). */
  refused: number;
  abortedMidFrame: number;
  slowReaders: number;
  frames: number;
  snapshots: { ok: number; failed: number };
  status: { ok: number; failed: number };
}

export interface Load {
  counters: LoadCounters;
  /** Viewers connected right now. */
  readonly active: number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const PART = Buffer.from('Content-Type: image/jpeg\r\n');

function get(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(-1));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(-1));
  });
}

/**
 * Starts the load against `base` (http://127.0.0.1:PORT): up to `maxViewers` at a
 * time from `addresses` (127.0.0.0/8), a new one about every second; a /snapshot
 * every 500 ms and an /api/status every 2 s.
 */
export function startLoad(base: string, port: number, rng: Rng, opts: { maxViewers: number; addresses: string[] }): Load {
  const c: LoadCounters = { viewers: 0, cutByServer: 0, refused: 0, abortedMidFrame: 0, slowReaders: 0, frames: 0, snapshots: { ok: 0, failed: 0 }, status: { ok: 0, failed: 0 } };
  let running = true;
  const live = new Set<Promise<void>>();
  const enders = new Set<() => void>();
  let next = 0;
  const from = () => opts.addresses[next++ % opts.addresses.length];

  const track = (p: Promise<void>) => {
    live.add(p);
    void p.finally(() => live.delete(p));
  };

  /** A viewer that watches for `lifeMs` and leaves; a slow one pauses reading for seconds at a time. */
  const viewer = (lifeMs: number, slow: boolean): Promise<void> =>
    new Promise((resolve) => {
      c.viewers++;
      if (slow) c.slowReaders++;
      let leaving = false;
      const req = http.get(`${base}/stream`, { agent: false, localAddress: from() }, (res) => {
        if (res.statusCode !== 200) {
          c.refused++;
          res.resume();
          return;
        }
        let tail = Buffer.alloc(0);
        res.on('data', (chunk: Buffer) => {
          const buf = Buffer.concat([tail, chunk]);
          for (let i = buf.indexOf(PART); i >= 0; i = buf.indexOf(PART, i + PART.length)) c.frames++;
          tail = buf.subarray(Math.max(0, buf.length - PART.length + 1));
          if (slow && !res.isPaused() && rng() < 0.05) {
            // Stop reading for 1-15 s: past stream.stallTimeoutMs the server drops us.
            res.pause();
            setTimeout(() => res.resume(), int(rng, 1000, 15000)).unref();
          }
        });
        res.on('close', () => {
          if (!leaving) c.cutByServer++;
          end();
        });
      });
      req.on('error', () => end());
      const timer = setTimeout(() => leave(), lifeMs);
      const leave = () => {
        leaving = true;
        req.destroy();
        end();
      };
      enders.add(leave);
      let done = false;
      function end() {
        if (done) return;
        done = true;
        clearTimeout(timer);
        enders.delete(leave);
        resolve();
      }
    });

  /** Connects, asks for /stream, and hangs up part-way through a frame (half of them with a reset). */
  const abortMidFrame = (): Promise<void> =>
    new Promise((resolve) => {
      c.viewers++;
      c.abortedMidFrame++;
      const cutAt = int(rng, 200, 30000);
      const reset = rng() < 0.5;
      const s = net.connect({ port, host: '127.0.0.1', localAddress: from() });
      let got = 0;
      const timer = setTimeout(() => s.destroy(), 10000);
      s.on('connect', () => s.write('GET /stream HTTP/1.1\r\nHost: soak\r\n\r\n'));
      s.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= cutAt) (reset ? s.resetAndDestroy() : s.destroy());
      });
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });

  const spawner = (async () => {
    while (running) {
      if (live.size < opts.maxViewers) {
        const r = rng();
        if (r < 0.5) track(viewer(int(rng, 2000, 60000), false));
        else if (r < 0.75) track(viewer(int(rng, 10000, 90000), true));
        else track(abortMidFrame());
      }
      await sleep(int(rng, 300, 1700));
    }
  })();

  const poll = async (path: string, everyMs: number, into: { ok: number; failed: number }) => {
    while (running) {
      const status = await get(`${base}${path}`, 5000);
      if (status === 200) into.ok++;
      else into.failed++;
      await sleep(everyMs);
    }
  };
  const pollers = [poll('/snapshot', 500, c.snapshots), poll('/api/status', 2000, c.status)];

  return {
    counters: c,
    get active() {
      return live.size;
    },
    async stop() {
      running = false;
      await Promise.all([spawner, ...pollers]);
      for (const leave of [...enders]) leave();
      await Promise.all([...live]);
    },
  };
}
