// A second web origin on loopback serving one HTML page: stands in for the page of
// another app (OctoPrint, a dashboard) that embeds camstream's URLs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

/** Serve `html` at http://127.0.0.1:PORT/ until the test ends; returns that URL. */
export async function serveHtmlPage(t: TestContext, html: string): Promise<string> {
  const page = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
  t.after(() => page.close());
  return `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
}
