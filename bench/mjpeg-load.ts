// The load generator for bench/fanout.ts, run as its own process on its own core:
// N viewers read /stream and count whole parts, timing the gap between them.
//   node dist/bench/mjpeg-load.js URL[,URL…] VIEWERS WARMUP_MS MEASURE_MS
// With several URLs (comma-separated), viewer v reads URL number v mod their count.
// Prints one JSON line: per-viewer frames and gap percentiles over the measure window,
// then disconnects and exits when its stdin closes.
import http from 'node:http';

const [urlArg, viewersArg, warmArg, measureArg] = process.argv.slice(2);
const urls = urlArg.split(',');
const viewers = Number(viewersArg);
const warmupMs = Number(warmArg);
const measureMs = Number(measureArg);

interface Stat {
  frames: number;
  gaps: number[];
  last: number;
  status: number;
}

/**
 * A streaming part counter that never concatenates bodies: it reads headers up to
 * CRLFCRLF, then skips Content-Length bytes. The server frames every part as
 * "--b\r\n" head "\r\n\r\n" body "\r\n", so after the body comes the next boundary.
 */
function counter(onPart: () => void) {
  let head = '';
  let skip = 0;
  return (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i);
        skip -= n;
        i += n;
        if (skip === 0) onPart();
        continue;
      }
      const end = chunk.indexOf(10, i); // '\n'
      const piece = chunk.toString('latin1', i, end < 0 ? chunk.length : end + 1);
      head += piece;
      i = end < 0 ? chunk.length : end + 1;
      if (head.endsWith('\r\n\r\n')) {
        const m = /Content-Length: (\d+)/i.exec(head);
        head = '';
        if (m) skip = Number(m[1]) + 2; // body + CRLF before the next boundary
      }
    }
  };
}

const stats: Stat[] = [];
let measuring = false;
const reqs: http.ClientRequest[] = [];
for (let v = 0; v < viewers; v++) {
  const s: Stat = { frames: 0, gaps: [], last: 0, status: 0 };
  stats.push(s);
  const req = http.get(urls[v % urls.length], { agent: false }, (res) => {
    s.status = res.statusCode ?? 0;
    res.on(
      'data',
      counter(() => {
        if (!measuring) return;
        const t = performance.now();
        if (s.last) s.gaps.push(t - s.last);
        s.last = t;
        s.frames++;
      }),
    );
  });
  req.on('error', () => {});
  reqs.push(req);
}

setTimeout(() => {
  measuring = true;
  process.stdout.write(JSON.stringify({ event: 'measuring' }) + '\n');
  setTimeout(() => {
    measuring = false;
    const pct = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] : NaN);
    const out = stats.map((s) => {
      const g = [...s.gaps].sort((a, b) => a - b);
      return { status: s.status, fps: (s.frames * 1000) / measureMs, frames: s.frames, gapP50: pct(g, 50), gapP99: pct(g, 99) };
    });
    process.stdout.write(JSON.stringify({ event: 'done', viewers: out }) + '\n');
    // Keep the connections until stdin closes (at once when it is /dev/null): the bench
    // reads the server's CPU first, before any of its per-client threads end.
    process.stdin.on('close', () => {
      for (const r of reqs) r.destroy();
      process.exit(0);
    });
    process.stdin.resume();
  }, measureMs);
}, warmupMs);
