// Supervision end to end: a real camstream, a stand-in rpicam-vid that misbehaves on
// cue (crash, stall, slow start, never starts, error), and one real HTTP viewer held
// open throughout. The viewer must see live frames, then NO SIGNAL frames while the
// camera is down, then live frames again — on the same connection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jpegSize } from '../../src/hub/frame';
import { getJson, waitFor } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { standin } from '../helpers/standin';
import { watchStream, type StreamWatcher } from '../helpers/stream-watcher';

const camera = { source: 'libcamera', width: 320, height: 240, fps: 10, stallTimeoutMs: 1500, restartDelayMs: 300, restartDelayMaxMs: 1000 };

const lastNoSignal = (w: StreamWatcher) => w.parts.map((p) => p.noSignal).lastIndexOf(true);

const scenarios: { mode: string; reason: RegExp; liveFirst: boolean; down503: boolean }[] = [
  { mode: 'crash', reason: /rpicam-vid exited with code 1: ERROR: Device timeout detected/, liveFirst: true, down503: false },
  { mode: 'stall', reason: /^libcamera: no frame for 1500 ms$/, liveFirst: true, down503: false },
  { mode: 'never', reason: /^libcamera: no first frame within 1500 ms of starting$/, liveFirst: false, down503: true },
  { mode: 'error', reason: /rpicam-vid exited with code 255: ERROR: \*\*\* no cameras available \*\*\*/, liveFirst: false, down503: true },
];

for (const sc of scenarios) {
  test(`camera ${sc.mode}: the viewer gets NO SIGNAL, then live frames again, without reconnecting`, async (t) => {
    const s = standin(t, ['pi'], sc.mode);
    const { app, base } = await startCameraServer(t, { camera }, { env: s.env });
    const w = await watchStream(`${base}/stream`);
    t.after(() => w.close());

    await waitFor(() => w.parts.filter((p) => p.noSignal).length >= 2, 15000, 'two NO SIGNAL frames');
    if (sc.liveFirst) assert.ok(!w.parts[0].noSignal, 'live frames came first');
    const status = await getJson(`${base}/api/status`);
    assert.ok(['offline', 'starting'].includes(status.source.state), status.source.state);
    assert.match(app.supervisor.status.reason ?? status.source.reason, sc.reason);
    const ns = w.parts.find((p) => p.noSignal)!;
    assert.deepEqual(jpegSize(ns.body), { width: 320, height: 240 }, 'NO SIGNAL is drawn at the camera size');
    if (sc.down503) {
      const h = await fetch(`${base}/healthz`);
      assert.equal(h.status, 503);
      assert.equal(((await h.json()) as { status: string }).status, 'unavailable');
    }

    // The camera comes back.
    s.setMode('ok');
    await waitFor(() => {
      const i = lastNoSignal(w);
      return w.parts.length - 1 - i >= 5 && w.parts.slice(i + 1).every((p) => !p.noSignal);
    }, 15000, 'five live frames after the last NO SIGNAL');
    assert.equal(w.ended, false, 'the viewer\'s connection stayed open');
    assert.equal(w.error, null);
    for (const p of w.parts.slice(lastNoSignal(w) + 1)) assert.deepEqual(jpegSize(p.body), { width: 320, height: 240 });
    assert.equal(app.supervisor.status.state, 'live');
    assert.ok(app.supervisor.status.restarts >= 1);
    assert.ok(s.runs('rpicam-vid').length >= 2, 'the camera process was started again');
    await waitFor(async () => (await fetch(`${base}/healthz`)).status === 200, 5000, '/healthz 200');
    assert.equal(app.pipelines[0].viewers.size, 1);
  });
}

test('slow start (2 s warm-up): NO SIGNAL "starting" meanwhile, then live, with no restart', async (t) => {
  const s = standin(t, ['pi'], 'slow');
  const { app, base } = await startCameraServer(t, { camera: { ...camera, stallTimeoutMs: 5000 } }, { env: s.env });
  const w = await watchStream(`${base}/stream`);
  t.after(() => w.close());
  await waitFor(() => w.parts.some((p) => !p.noSignal), 15000, 'a live frame');
  const firstLive = w.parts.findIndex((p) => !p.noSignal);
  assert.ok(firstLive >= 1, 'NO SIGNAL frames before the first live one');
  assert.equal(app.supervisor.status.restarts, 0);
  assert.equal(s.runs('rpicam-vid').length, 1);
  assert.equal(w.ended, false);
});
