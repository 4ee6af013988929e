// Bad input over raw sockets: malformed request lines, oversized headers and URLs,
// odd queries, encoded path traversal on the web UI's files and wrong methods. Each
// gets its 4xx with a body saying what was wrong — and nothing else changes: a viewer
// watching throughout keeps getting frames, no slot leaks, /snapshot still answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getJson, startServer, waitFor } from '../helpers/camstream';
import { watchStream } from '../helpers/frame-counter';
import { isJpeg } from '../helpers/mjpeg-client';
import { probe, rawRequest } from '../helpers/raw-http';

const camera = { source: 'testpattern', width: 160, height: 120, fps: 15, quality: 60 };
const H = 'Host: 127.0.0.1\r\nConnection: close\r\n';

// [what, request bytes, expected status]
const MALFORMED: [string, string, number][] = [
  ['garbage request line', 'GARBAGE\r\n\r\n', 400],
  ['unknown HTTP version', `GET / HTTP/9.9\r\n${H}\r\n`, 400],
  ['unknown method token', `FOO / HTTP/1.1\r\n${H}\r\n`, 400],
  ['NUL byte in the URL', `GET /snap\0shot HTTP/1.1\r\n${H}\r\n`, 400],
  ['space inside the URL', `GET /a b HTTP/1.1\r\n${H}\r\n`, 400],
  ['header line without a colon', `GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n`, 400],
  ['Content-Length and Transfer-Encoding together (smuggling)', `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400],
  ['Content-Length not a number', `POST / HTTP/1.1\r\n${H}Content-Length: abc\r\n\r\n`, 400],
  ['one 20 KB header', `GET /snapshot HTTP/1.1\r\n${H}X-Big: ${'a'.repeat(20000)}\r\n\r\n`, 431],
  ['3000 small headers', `GET /snapshot HTTP/1.1\r\n${H}${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')}\r\n`, 431],
  ['20 KB URL (past the parser limit)', `GET /${'a'.repeat(20000)} HTTP/1.1\r\n${H}\r\n`, 414],
  ['6 KB URL (under the parser limit)', `GET /snapshot?${'a'.repeat(6000)} HTTP/1.1\r\n${H}\r\n`, 414],
];

const BAD_QUERIES = [
  '/stream?fps=-1', '/stream?fps=1e9', '/stream?fps=abc', '/stream?fps=0', '/stream?fps=Infinity', '/stream?fps=NaN', '/stream?fps=%00',
  '/stream?fps=1&fps=2', '/stream.mjpg?fps=-1', '/?action=stream&fps=abc', '/?action=stream&fps=5&fps=5', '/?action=stream&action=snapshot',
  '/?action=bogus', '/?action=', '/?mode=bogus', '/?mode=stream&mode=snapshot',
];

// Encoded ways of climbing out of the web UI's folder: single, double, overlong UTF-8, backslashes.
const TRAVERSALS = [
  '/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/assets/..%2f..%2fpackage.json', '/assets/%252e%252e%252fpackage.json',
  '/assets/%2e%2e/%2e%2e/package.json', '/assets/..%5c..%5cpackage.json', '/assets/%c0%ae%c0%ae%2fpackage.json',
  '/assets/.%2e/.%2e/src/cli.ts', '/assets/%2e%2e', '/assets/.env', '/assets/index.html%00.css', '/assets/../../package.json',
  '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '/manifest.webmanifest/..%2f..%2fpackage.json', '/assets/%E0%A4%A',
];

test('malformed requests, big headers, long URLs, odd queries, traversal and wrong methods get their 4xx; the server carries on', async (t) => {
  const { base, port } = await startServer(t, { camera, stream: { maxClients: 4, maxClientsPerIp: 2, queueSize: 2 } });
  const viewer = watchStream(`${base}/stream`);
  t.after(() => viewer.close());
  await waitFor(() => viewer.frames >= 3, 8000, 'the honest viewer to get frames');
  const statusBefore = await getJson(`${base}/api/status`);

  for (const [what, payload, want] of MALFORMED) {
    const r = await rawRequest(port, payload);
    assert.equal(r.status, want, `${what}: got ${JSON.stringify(r.statusLine)}`);
    assert.equal(r.headers.connection, 'close', `${what}: the server closes the connection`);
    assert.match(r.body.toString(), /expected/, `${what}: the body says what was expected`);
  }

  for (const path of BAD_QUERIES) {
    const r = await probe(base + path, { timeoutMs: 5000 });
    assert.equal(r.status, 400, path);
    assert.match(r.body.toString(), /expected|give it once|unknown action|use \?action/, `${path}: ${r.body}`);
  }

  for (const path of TRAVERSALS) {
    const r = await rawRequest(port, `GET ${path} HTTP/1.1\r\n${H}\r\n`);
    assert.ok(r.status === 400 || r.status === 404, `${path}: got ${r.statusLine}`);
    const body = r.body.toString();
    assert.doesNotMatch(body, /"name": "camstream"|root:x?:0:0|import .* from/, `${path}: leaked a file`);
  }

  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    for (const path of ['/stream', '/snapshot', '/', '/api/status', '/healthz']) {
      const r = await rawRequest(port, `${method} ${path} HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`);
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.match(r.headers.allow ?? '', /\bGET\b/, `${method} ${path}: Allow names GET`);
      assert.match(r.headers.allow ?? '', /\bHEAD\b/, `${method} ${path}: Allow names HEAD`);
    }
  }

  // Nothing else changed: the viewer kept getting frames throughout and still does,
  // no slot leaked or was refused, snapshots answer.
  const framesNow = viewer.frames;
  await waitFor(() => viewer.frames >= framesNow + 3, 5000, 'frames still flowing to the honest viewer');
  assert.equal(viewer.ended, false, 'the honest viewer was never cut off');
  const statusAfter = await getJson(`${base}/api/status`);
  assert.equal(statusAfter.slots.used, 1, 'only the honest viewer holds a slot');
  assert.equal(statusAfter.slots.queued, 0);
  assert.equal(statusAfter.totals.rejected, statusBefore.totals.rejected, 'no viewer was refused a slot');
  const snap = await probe(`${base}/snapshot`);
  assert.equal(snap.status, 200);
  assert.ok(isJpeg(snap.body));
});

test('a valid fps that is merely too high is capped, not refused, and an empty one means the default', async (t) => {
  const { base } = await startServer(t, { camera, stream: { maxFps: 5 } });
  for (const path of ['/stream?fps=1000', '/stream?fps=2.5', '/stream?fps=', '/?action=stream&fps=3']) {
    const r = await probe(base + path, { maxBody: 1, timeoutMs: 8000 });
    assert.equal(r.status, 200, path);
  }
});
