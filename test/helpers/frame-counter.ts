// A long-running MJPEG viewer that only counts frames (parts), for tests that watch
// a stream while something else happens and then ask "did frames keep flowing?".
import http from 'node:http';

export interface Watcher {
  /** Parts received so far. */
  readonly frames: number;
  /** HTTP status, 0 until the response arrives. */
  readonly status: number;
  /** Times (performance.now(), ms) each part's header arrived. */
  readonly arrivals: readonly number[];
  /** The connection ended before close() was called. */
  readonly ended: boolean;
  close(): void;
}

const PART = Buffer.from('Content-Type: image/jpeg\r\n');

export function watchStream(url: string, opts: { localAddress?: string; headers?: Record<string, string> } = {}): Watcher {
  let frames = 0;
  let status = 0;
  let ended = false;
  let closed = false;
  const arrivals: number[] = [];
  let tail = Buffer.alloc(0);
  const req = http.get(url, { agent: false, localAddress: opts.localAddress, headers: opts.headers }, (res) => {
    status = res.statusCode ?? 0;
    res.on('data', (chunk: Buffer) => {
      // Keep a few bytes from the previous chunk: a marker may straddle two chunks.
      const buf = Buffer.concat([tail, chunk]);
      let i = buf.indexOf(PART);
      while (i >= 0) {
        frames++;
        arrivals.push(performance.now());
        i = buf.indexOf(PART, i + PART.length);
      }
      tail = buf.subarray(Math.max(0, buf.length - PART.length + 1));
    });
    res.on('end', () => (ended = !closed));
    res.on('error', () => (ended = !closed));
  });
  req.on('error', () => (ended = !closed));
  return {
    get frames() {
      return frames;
    },
    get status() {
      return status;
    },
    get ended() {
      return ended;
    },
    arrivals,
    close() {
      closed = true;
      req.destroy();
    },
  };
}
