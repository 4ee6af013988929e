// prom-client (and the ~90 modules it loads) stays out of memory until /metrics is
// first scraped (issue 14); the first scrape still reports everything since start:
// every encode the camera made, and the event loop's delay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor } from '../helpers/camstream';
import { holdStream } from '../helpers/held-stream';
import { scrape, valueOf } from '../helpers/prom-text';

const loaded = (pkg: string) => Object.keys(require.cache).some((k) => k.includes(`/node_modules/${pkg}/`));

test('prom-client loads at the first scrape, which reports the encodes and loop delay since start', async (t) => {
  // Once something in this test process has loaded it, this test cannot tell.
  assert.equal(loaded('prom-client'), false, 'prom-client already loaded before the server started');
  const { base, app } = await startServer(t, { camera: { source: 'testpattern', width: 160, height: 120, fps: 20 } });
  const viewer = await holdStream(`${base}/stream`);
  t.after(() => viewer.close());
  // Frames are encoded and streamed for a while with nobody scraping.
  const pipeline = app.pipelines[0];
  await waitFor(async () => pipeline.captured >= 30, 10000, '30 captured frames');
  assert.equal(loaded('prom-client'), false, 'prom-client loaded with nobody scraping');
  assert.equal(loaded('@opentelemetry/api'), false);

  const s = await scrape(base);
  assert.equal(loaded('prom-client'), true);
  const captured = valueOf(s, 'camstream_frames_captured_total');
  const encoded = valueOf(s, 'camstream_encode_seconds_count');
  assert.ok(captured >= 30, `captured ${captured}`);
  // Counted since start, not since the registry was built a moment ago.
  assert.ok(Math.abs(encoded - captured) <= 1, `encodes ${encoded} vs captured ${captured}`);
  assert.equal(valueOf(s, 'camstream_encode_seconds_bucket', { le: '+Inf' }), encoded);
  // The loop's delay was sampled from start: real figures (an empty histogram reads 9.2e9 s).
  const p99 = valueOf(s, 'nodejs_eventloop_lag_p99_seconds');
  assert.ok(p99 >= 0 && p99 < 0.5, `event-loop lag p99 ${p99} s`);
});
