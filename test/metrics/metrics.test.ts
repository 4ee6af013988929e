// /metrics scraped from real camstream servers on loopback and read back through a
// strict Prometheus text-format parser: each metric is driven by real viewers
// (held, refused, queued, stalled) and by a real source, then checked by value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, waitFor } from '../helpers/camstream';
import { holdStream, stalledViewer } from '../helpers/held-stream';
import { isJpeg, readStream } from '../helpers/mjpeg-client';
import { scrape, valueOf } from '../helpers/prom-text';
import { cv } from '../../src/capture/cv';
import type { FrameSink, FrameSource } from '../../src/capture/source';

const camera = { source: 'testpattern', width: 160, height: 120, fps: 20 };

test('a scrape reports frames, fps, encode times, process metrics and the source state', async (t) => {
  const { base } = await startServer(t, { camera });
  await waitFor(async () => valueOf(await scrape(base), 'camstream_frames_captured_total') >= 5, 5000, '5 captured frames');
  const viewer = await holdStream(`${base}/stream`);
  t.after(() => viewer.close());
  await waitFor(async () => valueOf(await scrape(base), 'camstream_frames_delivered_total') >= 3, 5000, '3 delivered frames');
  const s = await scrape(base);

  assert.equal(s.types.get('camstream_frames_captured_total'), 'counter');
  assert.equal(s.types.get('camstream_encode_seconds'), 'histogram');
  assert.equal(s.types.get('camstream_capture_fps'), 'gauge');
  assert.ok(valueOf(s, 'camstream_capture_fps') > 5, `capture fps ${valueOf(s, 'camstream_capture_fps')}`);
  // The test pattern encodes every frame it delivers: one observation per captured frame.
  const encoded = valueOf(s, 'camstream_encode_seconds_count');
  assert.ok(encoded >= 5);
  assert.ok(Math.abs(encoded - valueOf(s, 'camstream_frames_captured_total')) <= 1, 'one encode per captured frame');
  assert.equal(valueOf(s, 'camstream_encode_seconds_bucket', { le: '+Inf' }), encoded);
  const sum = valueOf(s, 'camstream_encode_seconds_sum');
  assert.ok(sum > 0 && sum / encoded < 0.5, `mean encode ${sum / encoded} s for 160x120`);
  assert.equal(valueOf(s, 'camstream_viewers_active'), 1);
  assert.equal(valueOf(s, 'camstream_viewers_connected_total'), 1);
  assert.equal(valueOf(s, 'camstream_source_state', { state: 'live' }), 1);
  assert.equal(valueOf(s, 'camstream_source_state', { state: 'offline' }), 0);
  assert.equal(valueOf(s, 'camstream_source_restarts_total'), 0);
  assert.equal(valueOf(s, 'camstream_info', { source: 'testpattern' }), 1);
  assert.ok(valueOf(s, 'camstream_stream_bytes_sent_total') > 0);
  // Process metrics from collectDefaultMetrics on this instance's own registry.
  assert.ok(valueOf(s, 'process_cpu_user_seconds_total') > 0);
  assert.ok(valueOf(s, 'process_resident_memory_bytes') > 10e6);
  assert.ok(s.samples.some((x) => x.name === 'nodejs_eventloop_lag_seconds'));
  assert.ok(valueOf(s, 'process_open_fds') > 0);
});

test("event-loop lag reads as the loop's delay, not the once-a-second sampling interval", async (t) => {
  const { base } = await startServer(t, { camera });
  // The histogram needs a few samples (one a second) before a scrape reads them.
  await new Promise((r) => setTimeout(r, 2500));
  const s = await scrape(base);
  const p50 = valueOf(s, 'nodejs_eventloop_lag_p50_seconds');
  const min = valueOf(s, 'nodejs_eventloop_lag_min_seconds');
  // A loop that serves a 20 fps test pattern waits far less than half a second per
  // turn even on a busy machine; the raw histogram would say ~1 s here.
  assert.ok(p50 >= 0 && p50 < 0.5, `event-loop lag p50 ${p50} s`);
  assert.ok(min >= 0 && min < 0.5, `event-loop lag min ${min} s`);
});

test('viewers: active, queued, and rejected by reason (per_ip, full, queue_timeout)', async (t) => {
  const { base } = await startServer(t, {
    camera,
    stream: { maxClients: 2, maxClientsPerIp: 1, queueSize: 1, queueTimeoutMs: 800 },
  });
  const a = await holdStream(`${base}/stream`, { localAddress: '127.0.0.1' });
  t.after(() => a.close());
  const b = await holdStream(`${base}/stream`, { localAddress: '127.0.0.2' });
  t.after(() => b.close());
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);

  // A second stream from 127.0.0.1: over its per-address cap.
  const perIp = await holdStream(`${base}/stream`, { localAddress: '127.0.0.1' });
  assert.equal(perIp.status, 429);

  // 127.0.0.3 waits in the queue (both slots taken); 127.0.0.4 finds the queue full.
  const waiting = holdStream(`${base}/stream`, { localAddress: '127.0.0.3' });
  await waitFor(async () => valueOf(await scrape(base), 'camstream_viewers_queued') === 1, 3000, 'one queued viewer');
  const full = await holdStream(`${base}/stream`, { localAddress: '127.0.0.4' });
  assert.equal(full.status, 503);
  const s1 = await scrape(base);
  assert.equal(valueOf(s1, 'camstream_viewers_active'), 2);
  assert.equal(valueOf(s1, 'camstream_stream_slots_max'), 2);
  assert.equal(valueOf(s1, 'camstream_viewers_rejected_total', { reason: 'per_ip' }), 1);
  assert.equal(valueOf(s1, 'camstream_viewers_rejected_total', { reason: 'full' }), 1);
  assert.equal(valueOf(s1, 'camstream_viewers_rejected_total', { reason: 'queue_timeout' }), 0);

  assert.equal((await waiting).status, 503);
  const s2 = await scrape(base);
  assert.equal(valueOf(s2, 'camstream_viewers_queued'), 0);
  assert.equal(valueOf(s2, 'camstream_viewers_rejected_total', { reason: 'queue_timeout' }), 1);

  // Once the viewers leave, everything they were sent is in the totals.
  await waitFor(() => a.bytes > 20000 && b.bytes > 20000, 5000, 'both viewers to receive frames');
  a.close();
  b.close();
  const s3 = await waitFor(async () => {
    const s = await scrape(base);
    return valueOf(s, 'camstream_viewers_active') === 0 ? s : undefined;
  }, 3000, 'viewers to leave').then((x) => x!);
  // The server may have written more than the client read before it hung up; never less.
  const preamble = '--camstream-boundary\r\n'.length;
  assert.ok(valueOf(s3, 'camstream_stream_bytes_sent_total') >= a.bytes + b.bytes - 2 * preamble);
  assert.ok(valueOf(s3, 'camstream_frames_delivered_total') >= 2);
  assert.equal(valueOf(s3, 'camstream_viewers_connected_total'), 2);
});

test('a viewer that stops reading makes frames_dropped_slow_viewer grow; the others are unaffected', async (t) => {
  // Incompressible noise makes big JPEGs (~1 MB), so the silent viewer's socket buffers fill in well under a second.
  const o = cv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-noise-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (let i = 0; i < 2; i++) {
    const img = new o.Mat(crypto.randomBytes(480 * 640 * 3), 480, 640, o.CV_8UC3);
    fs.writeFileSync(path.join(dir, `${i}.jpg`), o.imencode('.jpg', img, [o.IMWRITE_JPEG_QUALITY, 100]));
  }
  const { base, port } = await startServer(t, { camera: { source: 'files', dir, fps: 30 }, stream: { stallTimeoutMs: 60000 } });
  const stalled = await stalledViewer(port);
  t.after(() => stalled.destroy());
  const s = await waitFor(async () => {
    const x = await scrape(base);
    return valueOf(x, 'camstream_frames_dropped_slow_viewer_total') >= 3 ? x : undefined;
  }, 8000, 'drops for the stalled viewer').then((x) => x!);
  assert.equal(valueOf(s, 'camstream_viewers_active'), 1);
  // A viewer that reads keeps getting whole frames meanwhile.
  const live = await readStream(`${base}/stream`, { frames: 5, timeoutMs: 5000 });
  assert.equal(live.parts.length, 5);
  assert.ok(live.parts.every((p) => isJpeg(p.body) && p.body.length > 200000), 'whole ~1 MB noise JPEGs');
  // The files source passes JPEGs through: nothing encoded, nothing timed.
  assert.equal(valueOf(s, 'camstream_encode_seconds_count'), 0);
  assert.ok(valueOf(s, 'camstream_frames_captured_total') >= 3);
});

test('source restarts are counted, and each instance keeps its own registry', async (t) => {
  // Fails on its first start, then delivers frames: the supervisor restarts it once.
  const o = cv();
  const jpeg = o.imencode('.jpg', new o.Mat(120, 160, o.CV_8UC3, [0, 128, 255]));
  let starts = 0;
  let timer: NodeJS.Timeout | undefined;
  const flaky: FrameSource = {
    kind: 'flaky',
    describe: () => 'flaky test source',
    async start(sink: FrameSink) {
      if (++starts === 1) throw new Error('camera not ready yet');
      timer = setInterval(() => sink.frame(jpeg), 50);
    },
    async stop() {
      clearInterval(timer);
    },
  };
  const one = await startServer(t, { camera }, { source: flaky });
  const two = await startServer(t, { camera });
  const s = await waitFor(async () => {
    const x = await scrape(one.base);
    return valueOf(x, 'camstream_source_restarts_total') === 1 && valueOf(x, 'camstream_frames_captured_total') > 0 ? x : undefined;
  }, 5000, 'one restart and frames after it').then((x) => x!);
  assert.equal(valueOf(s, 'camstream_info', { source: 'flaky' }), 1);
  assert.equal(valueOf(s, 'camstream_source_state', { state: 'live' }), 1);
  const other = await scrape(two.base);
  assert.equal(valueOf(other, 'camstream_source_restarts_total'), 0);
  assert.equal(valueOf(other, 'camstream_info', { source: 'testpattern' }), 1);
});

test('metrics.enabled=false: /metrics is 404', async (t) => {
  const { base } = await startServer(t, { camera, metrics: { enabled: false } });
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 404);
  await res.arrayBuffer();
});
