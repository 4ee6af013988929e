// A streaming viewer that stays connected until closed, counting what it receives:
// for tests that need viewers to hold their slots while they look at the server.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface HeldStream {
  status: number;
  /** Bytes of body received so far (after the HTTP headers). */
  readonly bytes: number;
  close(): void;
}

/**
 * GET `url` and keep reading; resolves once the response headers and first body bytes
 * arrived (or a non-200 answer ended). https: URLs trust only `ca`.
 */
export function holdStream(url: string, opts: { localAddress?: string; timeoutMs?: number; headers?: Record<string, string>; ca?: Buffer } = {}): Promise<HeldStream> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const get = url.startsWith('https:') ? https.get : http.get;
    const req = get(url, { localAddress: opts.localAddress, agent: false, headers: opts.headers, ca: opts.ca }, (res) => {
      const held: HeldStream = {
        status: res.statusCode ?? 0,
        get bytes() {
          return bytes;
        },
        close: () => req.destroy(),
      };
      res.on('error', () => {});
      res.on('end', () => {
        clearTimeout(timer);
        resolve(held);
      });
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (res.statusCode === 200) {
          clearTimeout(timer);
          resolve(held);
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`timed out after ${opts.timeoutMs ?? 5000} ms waiting for ${url}`));
    }, opts.timeoutMs ?? 5000);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * A viewer that sends the request and then never reads: its socket fills up, as a
 * viewer on a slow link would. Returns the socket so the test can destroy it.
 */
export function stalledViewer(port: number, path = '/stream'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      s.pause();
      resolve(s);
    });
    s.on('error', reject);
  });
}
