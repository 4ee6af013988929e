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
  close(): void;
}

export interface WatchOptions {
  /** For https:// URLs: the CA to trust (a test's self-signed certificate). */
  ca?: Buffer;
  headers?: Record<string, string>;
  localAddress?: string;
}

export function watchStream(url: string, opts: WatchOptions = {}): Promise<StreamWatcher> {
  return new Promise((resolve, reject) => {
    const w: StreamWatcher = { parts: [], ended: false, error: null, status: 0, close: () => req.destroy() };
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { agent: false, ca: opts.ca, headers: opts.headers, localAddress: opts.localAddress }, (res) => {
      w.status = res.statusCode ?? 0;
      const m = /boundary=("?)([^";]+)\1/.exec(res.headers['content-type'] ?? '');
      if (!m) return reject(new Error(`not a multipart stream: ${res.statusCode} ${res.headers['content-type']}`));
      const delim = Buffer.from(`--${m[2]}\r\n`);
      let buf = Buffer.alloc(0);
      res.on('data', (chunk: Buffer) => {
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
      });
      res.on('close', () => (w.ended = true));
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
