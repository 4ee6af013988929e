// Config reloads with two cameras: a change to one camera's settings restarts that
// camera only (the other's viewer sees no NO SIGNAL frame, its source is not touched);
// adding or removing a camera waits for a restart and says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Config } from '../../src/config/schema';
import { jpegSize } from '../../src/hub/frame';
import { waitFor } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { standin } from '../helpers/standin';
import { watchStream } from '../helpers/stream-watcher';

type WithCameras = Config & { cameras: Record<string, Record<string, unknown>> };

test('reload: one camera\'s new settings restart it alone; a new camera waits for a restart', async (t) => {
  const s = standin(t, ['pi']);
  const cameras = {
    front: { source: 'testpattern', width: 320, height: 240, fps: 15 },
    nozzle: { source: 'testpattern', width: 160, height: 120, fps: 15 },
  };
  const { app, base } = await startCameraServer(t, {}, { env: s.env, cameras });
  const [front, nozzle] = app.pipelines;
  await waitFor(() => front.state().state === 'live' && nozzle.state().state === 'live', 60000, 'both cameras live');
  const fw = await watchStream(`${base}/cam/front/stream`);
  t.after(() => fw.close());
  const nw = await watchStream(`${base}/cam/nozzle/stream`);
  t.after(() => nw.close());
  await waitFor(() => fw.parts.length >= 3 && nw.parts.length >= 3, 30000, 'both viewers receiving');
  const frontSource = front.supervisor.status.description;
  const sourceOf = (p: typeof nozzle) => (p.supervisor as unknown as { opts: { source: { running: boolean } } }).opts.source;
  const oldNozzle = sourceOf(nozzle);
  const frontRunning = sourceOf(front);
  assert.equal(oldNozzle.running, true);

  const next = structuredClone(app.config) as WithCameras;
  next.cameras.nozzle = { ...next.cameras.nozzle, fps: 10, width: 240, height: 180 };
  const r = await app.reload({ config: next, file: null, notes: [] });
  assert.equal(r.camera.restarted, true);
  assert.deepEqual(Object.keys(r.camera.cameras ?? {}), ['nozzle'], 'only nozzle restarted');
  assert.deepEqual(r.pendingRestart, []);
  await waitFor(() => nozzle.state().state === 'live' && nozzle.hub.latest?.width === 240, 30000, 'nozzle live at its new size');
  assert.equal(nozzle.entry.camera.fps, 10);
  // The old nozzle camera was stopped (it used to be left running: Supervisor.replace
  // stopped the new source instead of the old one).
  assert.equal(oldNozzle.running, false, 'the old nozzle source is stopped');
  assert.notEqual(sourceOf(nozzle), oldNozzle);
  assert.equal(sourceOf(front), frontRunning, 'front keeps its running source');
  assert.equal(frontRunning.running, true);
  assert.equal(front.entry.camera.fps, 15);
  // Front: the same running source, and its viewer never saw NO SIGNAL.
  const seen = fw.parts.length;
  await waitFor(() => fw.parts.length >= seen + 3, 30000, 'front frames after the reload');
  assert.ok(fw.parts.every((p) => !p.noSignal), 'the front viewer saw no NO SIGNAL frame');
  assert.equal(front.supervisor.status.description, frontSource);
  assert.equal(front.supervisor.status.state, 'live');
  await waitFor(() => nw.parts.length > 0 && jpegSize(nw.parts[nw.parts.length - 1].body)?.width === 240, 30000, 'the nozzle viewer to get the new size');
  assert.equal(fw.ended || nw.ended, false, 'both viewers stayed connected');

  // A third camera: not started until a restart, and reported as waiting for one.
  const more = structuredClone(app.config) as WithCameras;
  more.cameras.side = { ...more.cameras.nozzle };
  const r2 = await app.reload({ config: more, file: null, notes: [] });
  assert.deepEqual(r2.pendingRestart, ['cameras']);
  assert.equal(app.pipelines.length, 2);
  assert.deepEqual(app.reloadState.pendingRestart, ['cameras']);
  const side = await fetch(`${base}/cam/side/snapshot`);
  assert.equal(side.status, 404);
  await side.arrayBuffer();
  const st = (await (await fetch(`${base}/api/status`)).json()) as { config: { pendingRestart: string[] } };
  assert.deepEqual(st.config.pendingRestart, ['cameras']);
});
