// Talk HTTP by hand over node:net, for requests a well-behaved client library would
// refuse to send (malformed lines, huge headers, odd methods, unnormalised paths),
// and a small one-shot request helper that works for streams too.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';

export interface RawResponse {
  /** 0 when the server closed without answering. */
  status: number;
  statusLine: string;
  headers: Record<string, string>;
  body: Buffer;
  /** true when the server closed the connection (as opposed to our timeout). */
  closed: boolean;
}

export function parseResponse(buf: Buffer, closed: boolean): RawResponse {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, statusLine: buf.toString('latin1'), headers: {}, body: Buffer.alloc(0), closed };
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    headers[k] = headers[k] !== undefined ? `${headers[k]}, ${l.slice(i + 1).trim()}` : l.slice(i + 1).trim();
  }
  return { status: m ? Number(m[1]) : 0, statusLine: lines[0], headers, body: buf.subarray(end + 4), closed };
}

/**
 * Send `payload` as is and collect what comes back until the server closes, the
 * response is complete (Content-Length reached), or `timeoutMs` passes. With `ca`,
 * over TLS trusting only that certificate (the bytes go inside the TLS session).
 */
export function rawRequest(port: number, payload: string | Buffer, opts: { timeoutMs?: number; localAddress?: string; host?: string; ca?: Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    const where = { port, host: opts.host ?? '127.0.0.1', localAddress: opts.localAddress };
    const sock = opts.ca ? tls.connect({ ...where, ca: opts.ca }) : net.connect(where);
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(parseResponse(Buffer.concat(chunks), closed));
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 5000);
    sock.on(opts.ca ? 'secureConnect' : 'connect', () => sock.write(payload));
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      const r = parseResponse(Buffer.concat(chunks), false);
      const len = Number(r.headers['content-length']);
      if (r.status > 0 && Number.isInteger(len) && r.body.length >= len) finish(false);
    });
    sock.on('close', () => finish(true));
    sock.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after the answer arrived is still an answer.
      if (chunks.length > 0 || err.code === 'ECONNRESET' || err.code === 'EPIPE') return finish(true);
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
  });
}

export interface Probe {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Up to `maxBody` bytes of the body (a stream is cut there). */
  body: Buffer;
}

/** One request on its own connection; streams are cut after `maxBody` bytes. */
export function probe(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; localAddress?: string; maxBody?: number; timeoutMs?: number } = {},
): Promise<Probe> {
  const maxBody = opts.maxBody ?? 1 << 20;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, localAddress: opts.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size >= maxBody) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`timed out after ${opts.timeoutMs ?? 5000} ms: ${opts.method ?? 'GET'} ${url}`));
    }, opts.timeoutMs ?? 5000);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
