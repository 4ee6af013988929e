// Watch one /stream connection for as long as a test needs: every part is recorded
// as it arrives, and the test closes it when done. Unlike readStream (fixed count or
// duration), this lets a test hold a single connection across a camera failure and
// recovery and then check that it never reconnected.
import http from 'node:http';
import https from 'node:https';
import { isNoSignal } from '../../src/capture/no-signal';

export interface WatchedPart {
  body: Buffer;
  noSignal: boolean;
  at: number;
}

export interface StreamWatcher {
  parts: WatchedPart[];
  /** True once the server ended or broke the connection. */
  ended: boolean;
  error: Error | null;
  status: number;
  /** Bytes of the body read so far. */
  bytes: number;
  close(): void;
  /** With `bytesPerSec`: read at full speed from now on (the throttle is lifted). */
  unthrottle(): void;
}

export interface WatchOptions {
  /** For https:// URLs: the CA to trust (a test's self-signed certificate). */
  ca?: Buffer;
  headers?: Record<string, string>;
  localAddress?: string;
  /**
   * Read at most this many bytes a second, as a slow link would: the response is
   * paused and read in slices every 50 ms, so the server's socket backs up.
   */
  bytesPerSec?: number;
}

export function watchStream(url: string, opts: WatchOptions = {}): Promise<StreamWatcher> {
  return new Promise((resolve, reject) => {
    let throttle: NodeJS.Timeout | undefined;
    let unthrottle = () => {};
    const w: StreamWatcher = {
      parts: [],
      ended: false,
      error: null,
      status: 0,
      bytes: 0,
      close: () => {
        clearInterval(throttle);
        req.destroy();
      },
      unthrottle: () => unthrottle(),
    };
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { agent: false, ca: opts.ca, headers: opts.headers, localAddress: opts.localAddress }, (res) => {
      w.status = res.statusCode ?? 0;
      const m = /boundary=("?)([^";]+)\1/.exec(res.headers['content-type'] ?? '');
      if (!m) return reject(new Error(`not a multipart stream: ${res.statusCode} ${res.headers['content-type']}`));
      const delim = Buffer.from(`--${m[2]}\r\n`);
      let buf = Buffer.alloc(0);
      const feed = (chunk: Buffer) => {
        w.bytes += chunk.length;
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          if (buf.length < delim.length) return;
          if (!buf.subarray(0, delim.length).equals(delim)) {
            w.error = new Error(`expected a boundary, got ${JSON.stringify(buf.subarray(0, 30).toString('latin1'))}`);
            return req.destroy();
          }
          const headEnd = buf.indexOf('\r\n\r\n', delim.length);
          if (headEnd < 0) return;
          const len = Number(/content-length:\s*(\d+)/i.exec(buf.subarray(delim.length, headEnd).toString('latin1'))?.[1]);
          if (!Number.isInteger(len)) {
            w.error = new Error('part without Content-Length');
            return req.destroy();
          }
          const start = headEnd + 4;
          if (buf.length < start + len + 2) return;
          const body = Buffer.from(buf.subarray(start, start + len));
          w.parts.push({ body, noSignal: isNoSignal(body), at: Date.now() });
          buf = buf.subarray(start + len + 2);
        }
      };
      if (opts.bytesPerSec === undefined) res.on('data', feed);
      else {
        const slice = opts.bytesPerSec / 20;
        let allowance = 0;
        throttle = setInterval(() => {
          allowance = Math.min(allowance + slice, 4 * slice);
          while (allowance >= 1 && res.readableLength > 0) {
            const chunk = res.read(Math.min(Math.floor(allowance), res.readableLength)) as Buffer | null;
            if (!chunk) break;
            allowance -= chunk.length;
            feed(chunk);
          }
          // Paused mode: ask the stream to refill its buffer from the socket.
          if (res.readableLength === 0) res.read(0);
        }, 50);
        unthrottle = () => {
          clearInterval(throttle);
          for (let c: Buffer | null; (c = res.read() as Buffer | null) !== null; ) feed(c);
          res.on('data', feed);
        };
      }
      res.on('close', () => {
        clearInterval(throttle);
        w.ended = true;
      });
      resolve(w);
    });
    req.on('error', (err) => {
      w.ended = true;
      w.error ??= err;
      reject(err);
    });
  });
}

/** Index of the first part at or after `from` that matches, or -1. */
export function findPart(parts: WatchedPart[], from: number, pred: (p: WatchedPart) => boolean): number {
  for (let i = from; i < parts.length; i++) if (pred(parts[i])) return i;
  return -1;
}
