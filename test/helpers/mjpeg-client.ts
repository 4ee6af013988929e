// A real MJPEG client: reads multipart/x-mixed-replace over http.get and splits the
// parts by their headers, checking every part is framed as the spec says.
import http from 'node:http';

export interface Part {
  headers: Record<string, string>;
  body: Buffer;
  receivedAt: number;
}

export interface StreamResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  parts: Part[];
  /** Body text when the server answered with something other than a stream. */
  text?: string;
}

export interface ReadOptions {
  frames: number;
  timeoutMs?: number;
  localAddress?: string;
  /** Stop reading (and resolve) after this long, however many frames arrived. */
  durationMs?: number;
  /** Called for each part as it arrives (e.g. to time gaps). */
  onPart?: (p: Part) => void;
}

export function readStream(url: string, opts: ReadOptions): Promise<StreamResult> {
  const timeoutMs = opts.timeoutMs ?? 10000;
  return new Promise((resolve, reject) => {
    const req = http.get(url, { localAddress: opts.localAddress, agent: false }, (res) => {
      const ct = res.headers['content-type'] ?? '';
      const m = /boundary=("?)([^";]+)\1/.exec(ct);
      if (res.statusCode !== 200 || !m) {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, parts: [], text });
        });
        return;
      }
      const delim = Buffer.from(`--${m[2]}\r\n`);
      if (opts.durationMs !== undefined) setTimeout(() => finish(), opts.durationMs).unref();
      const parts: Part[] = [];
      let buf = Buffer.alloc(0);
      const finish = () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: 200, headers: res.headers, parts });
      };
      res.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          if (buf.length < delim.length) return;
          if (!buf.subarray(0, delim.length).equals(delim)) {
            return fail(new Error(`expected boundary, got ${JSON.stringify(buf.subarray(0, 40).toString('latin1'))}`));
          }
          const headEnd = buf.indexOf('\r\n\r\n', delim.length);
          if (headEnd < 0) return;
          const headers: Record<string, string> = {};
          for (const line of buf.subarray(delim.length, headEnd).toString('latin1').split('\r\n')) {
            const i = line.indexOf(':');
            headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
          }
          const len = Number(headers['content-length']);
          if (!Number.isInteger(len)) return fail(new Error('part without Content-Length'));
          const bodyStart = headEnd + 4;
          // body, then CRLF, then the next boundary
          if (buf.length < bodyStart + len + 2) return;
          const body = Buffer.from(buf.subarray(bodyStart, bodyStart + len));
          if (buf[bodyStart + len] !== 0x0d || buf[bodyStart + len + 1] !== 0x0a) return fail(new Error('part not followed by CRLF'));
          buf = buf.subarray(bodyStart + len + 2);
          const part = { headers, body, receivedAt: Date.now() };
          parts.push(part);
          opts.onPart?.(part);
          if (parts.length >= opts.frames) return finish();
        }
      });
      res.on('end', () => finish());
      res.on('error', () => finish());
    });
    const fail = (err: Error) => {
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms reading ${url}`)), timeoutMs);
    req.on('error', fail);
  });
}

export function isJpeg(b: Buffer): boolean {
  return b.length > 4 && b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9;
}
