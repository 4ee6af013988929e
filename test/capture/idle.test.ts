// camera.idle=stop end to end: with nobody watching, the camera process is stopped;
// the next viewer starts it again and gets live frames within the camera's warm-up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getJson, waitFor } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { alive, standin } from '../helpers/standin';
import { watchStream } from '../helpers/stream-watcher';

test('idle=stop releases the camera without viewers and restarts it for the next one', async (t) => {
  const s = standin(t, ['pi']);
  const { app, base } = await startCameraServer(t, { camera: { source: 'libcamera', width: 320, height: 240, fps: 10, idle: 'stop', idleTimeoutMs: 500 } }, { env: s.env });
  const status = app.supervisor.status;
  // Starts at boot (so a first snapshot works), then goes idle with no viewers.
  await waitFor(() => status.state === 'live', 10000, 'live');
  const pid1 = childPid(app);
  assert.ok(alive(pid1), 'the camera process runs');
  await waitFor(() => status.state === 'idle', 5000, 'idle');
  await waitFor(() => !alive(pid1), 5000, 'the camera process to end');
  assert.match((await getJson(`${base}/api/status`)).source.reason, /no viewers for 500 ms: camera stopped until the next viewer/);
  // Idle on purpose is healthy: monitors and the phone page must not see an outage.
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'idle');

  // A viewer arrives: the camera starts again and frames flow to it.
  const started = Date.now();
  const w = await watchStream(`${base}/stream`);
  await waitFor(() => w.parts.filter((p) => !p.noSignal).length >= 3, 10000, 'frames after waking');
  assert.ok(Date.now() - started < 5000, 'first frames within the warm-up');
  assert.equal(s.runs('rpicam-vid').length, 2);
  assert.equal(status.state, 'live');

  // It stays on while watched, longer than the idle timeout.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(status.state, 'live');
  w.close();
  await waitFor(() => status.state === 'idle', 5000, 'idle again after the viewer left');
  assert.equal(s.runs('rpicam-vid').length, 2);
});

test('idle=keep (the default) keeps capturing without viewers', async (t) => {
  const s = standin(t, ['pi']);
  const { app } = await startCameraServer(t, { camera: { source: 'libcamera', width: 320, height: 240, fps: 10, idleTimeoutMs: 0 } }, { env: s.env });
  await waitFor(() => app.supervisor.status.state === 'live', 10000, 'live');
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(app.supervisor.status.state, 'live');
  assert.equal(s.runs('rpicam-vid').length, 1);
});

function childPid(app: { supervisor: unknown }): number | undefined {
  // The source behind the supervisor (possibly wrapped for metrics) → its ChildMjpeg.
  const source = (app.supervisor as { opts: { source: { child?: { pid?: number } } } }).opts.source;
  return source.child?.pid;
}
