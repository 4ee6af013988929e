// stream.maxMbps against real sockets: three full-size viewers that together take 2.5
// times the budget are slowed (fairly, each ≥ 1 fps, none cut off) until what the
// clients measure stays within 10 % of it. The budget is switched on by a config
// reload, so the same viewers are measured without and with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load';
import { getJson, startServer, waitFor, writeConfig } from '../helpers/camstream';
import { watchStream, type StreamWatcher } from '../helpers/stream-watcher';
import { scrape, valueOf } from '../helpers/prom-text';

const camera = { source: 'testpattern', width: 640, height: 480, fps: 15, quality: 80 };
/** Multipart head and boundary around each JPEG (wire.ts), bytes: counted as sent. */
const PART_OVERHEAD = 90;

/** What each viewer received over a window of `ms`: bytes (parts with their framing) and frames. */
async function measure(viewers: StreamWatcher[], ms: number) {
  const at = viewers.map((w) => w.parts.length);
  const t0 = Date.now();
  await waitFor(() => Date.now() - t0 >= ms, ms + 5000, 'the measuring window');
  const sec = (Date.now() - t0) / 1000;
  return viewers.map((w, i) => {
    const parts = w.parts.slice(at[i]);
    const bytes = parts.reduce((n, p) => n + p.body.length + PART_OVERHEAD, 0);
    return { mbps: (bytes * 8) / 1e6 / sec, fps: parts.length / sec };
  });
}

test('stream.maxMbps: viewers are slowed fairly so the total stays within 10 % of the budget, each keeping ≥ 1 fps', async (t) => {
  const { base, app } = await startServer(t, { camera });
  await waitFor(() => app.pipelines[0].hub.latest?.live, 20000, 'the first frame');
  const viewers = await Promise.all([0, 1, 2].map(() => watchStream(`${base}/stream`)));
  t.after(() => viewers.forEach((w) => w.close()));
  await waitFor(() => viewers.every((w) => w.parts.length >= 3), 30000, 'every viewer streaming');

  // No budget: what they take together. The budget is 40 % of that, so it must bite
  // whatever pace a busy machine manages (each viewer keeps ~40 % of the capture rate).
  const free = await measure(viewers, 4000);
  const freeTotal = free.reduce((n, v) => n + v.mbps, 0);
  const budget = Math.max(0.1, Math.round(freeTotal * 0.4 * 100) / 100);
  assert.ok(freeTotal > budget * 2, `without a budget the viewers took ${freeTotal.toFixed(2)} Mbit/s, budget ${budget}`);
  const captureFps = app.pipelines[0].hub.fps();
  assert.ok(captureFps * 0.4 >= 1.5, `the camera makes ${captureFps.toFixed(1)} fps: too few to show a budget above the 1 fps floor`);

  // The budget, by a config reload (applies to the viewers already watching).
  await app.reload(loadConfig({ path: writeConfig({ camera, stream: { maxMbps: budget } }), env: {} }));
  await waitFor(() => app.pipelines[0].viewers.list().every((v) => v.budgetFps > 0), 10000, 'every viewer capped');
  // One window for the caps to take hold (a tick, the token buckets), then measure.
  await measure(viewers, 3000);
  const capped = await measure(viewers, 8000);
  const total = capped.reduce((n, v) => n + v.mbps, 0);
  const report = capped.map((v) => `${v.mbps.toFixed(2)} Mbit/s ${v.fps.toFixed(1)} fps`).join(', ');
  assert.ok(total <= budget * 1.1, `total ${total.toFixed(2)} Mbit/s over the ${budget} Mbit/s budget (+10 %): ${report}`);
  assert.ok(total >= budget * 0.5, `total ${total.toFixed(2)} Mbit/s: the budget should be used, not starved: ${report}`);
  for (const v of capped) assert.ok(v.fps >= 1, `a viewer got ${v.fps.toFixed(2)} fps (< 1): ${report}`);
  t.diagnostic(`free ${freeTotal.toFixed(2)} Mbit/s; budget ${budget}; capped ${total.toFixed(2)} Mbit/s: ${report}`);
  // Fair: equal viewers get equal shares (within a frame a second).
  const fps = capped.map((v) => v.fps);
  assert.ok(Math.max(...fps) - Math.min(...fps) <= 1.5, `unequal shares: ${report}`);
  assert.ok(viewers.every((w) => !w.ended), 'nobody was cut off');

  // /api/status and /metrics show the budget, what is used, and each viewer's picture and rate.
  const status = await getJson(`${base}/api/status`);
  assert.equal(status.bandwidth.maxMbps, budget);
  assert.ok(status.bandwidth.usedMbps > 0 && status.bandwidth.usedMbps <= budget * 1.1, JSON.stringify(status.bandwidth));
  assert.equal(status.bandwidth.viewers.length, 3);
  for (const v of status.bandwidth.viewers) {
    assert.equal(v.variant, 'full');
    assert.ok(v.fps >= 1 && v.budgetFps >= 1, JSON.stringify(v));
  }
  const prom = await scrape(base);
  assert.equal(valueOf(prom, 'camstream_bandwidth_budget_mbps'), budget);
  assert.ok(valueOf(prom, 'camstream_bandwidth_used_mbps') > 0);
  const ids = app.pipelines[0].viewers.list().map((v) => String(v.id));
  for (const id of ids) assert.ok(valueOf(prom, 'camstream_viewer_fps', { camera: 'default', viewer: id, variant: 'full' }) >= 1, `viewer ${id} in /metrics`);
});
