// One camera state, read everywhere: a real camstream with a stand-in rpicam-vid that
// sends 5 frames and then stays alive and silent (a stalled camera the supervisor will
// not restart for a minute). /healthz, /api/status, /metrics and the systemd STATUS=
// line must tell the same story at every step. (Before, /healthz said 503 after 3 s
// while STATUS= and camstream_source_state still said "live" until the supervisor's
// stall timeout, and the watchdog's 15 s rule was a third answer.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cameraState, liveWindowMs } from '../../src/pipeline/camera-state';
import { createNotifier } from '../../src/platform/sd-notify';
import { silentLogger } from '../../src/log';
import { getJson, waitFor } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { bindNotifySocket } from '../helpers/notify-socket';
import { scrape, valueOf } from '../helpers/prom-text';
import { standin } from '../helpers/standin';

test('the rule: live while the newest frame is recent; a silent "live" source is no-signal; idle is idle', () => {
  const T = 1_000_000;
  const live = { state: 'live' as const, since: T - 10000, reason: null };
  assert.equal(cameraState({ source: live, lastLiveFrameAt: T - 100, fps: 15, now: T }).state, 'live');
  const quiet = cameraState({ source: live, lastLiveFrameAt: T - liveWindowMs(15) - 1, fps: 15, now: T });
  assert.equal(quiet.state, 'no-signal');
  assert.equal(quiet.since, T - 1, 'since: when the window ran out');
  assert.match(quiet.reason ?? '', /no frame from the camera for 3 s/);
  assert.equal(cameraState({ source: { state: 'idle', since: T, reason: 'no viewers' }, lastLiveFrameAt: T - 100, fps: 15, now: T }).state, 'idle');
  assert.equal(cameraState({ source: { state: 'offline', since: T, reason: 'gone' }, lastLiveFrameAt: T - 100, fps: 15, now: T }).state, 'no-signal');
  assert.equal(cameraState({ source: { state: 'starting', since: T, reason: null }, lastLiveFrameAt: T - 100, fps: 15, now: T }).state, 'starting');
  // A very slow camera (0.2 fps) gets three frame intervals.
  assert.equal(cameraState({ source: live, lastLiveFrameAt: T - 14000, fps: 0.2, now: T }).state, 'live');
});

test('/healthz, /api/status, /metrics and STATUS= agree, live and stalled', async (t) => {
  const rx = bindNotifySocket(t);
  const notifier = createNotifier({ env: { NOTIFY_SOCKET: rx.path }, log: silentLogger() });
  const s = standin(t, ['pi'], 'stall');
  const { base } = await startCameraServer(
    t,
    { camera: { source: 'libcamera', width: 320, height: 240, fps: 10, stallTimeoutMs: 60000 }, metrics: { enabled: true } },
    { env: s.env, notifier },
  );

  const views = async () => {
    const h = await fetch(`${base}/healthz`);
    const hb = (await h.json()) as { status: string; cameras: { state: string }[] };
    const st = await getJson(`${base}/api/status`);
    const m = await scrape(base);
    const metric = ['live', 'starting', 'no-signal', 'idle'].find((x) => valueOf(m, 'camstream_camera_state', { state: x }) === 1);
    return { http: h.status, health: hb.cameras[0].state, statusLive: st.live as boolean, status: st.cameras[0].state as string, metric };
  };

  // Live: the 5 frames arrive.
  const live = await waitFor(async () => {
    const v = await views();
    return v.http === 200 && v.health === 'live' ? v : undefined;
  }, 60000, 'the camera live');
  assert.equal(live.statusLive, true);
  assert.equal(live.status, 'live');
  assert.equal(live.metric, 'live');

  // Then silence. The source process still runs (the supervisor waits out its
  // 60 s stall timeout), but the camera is not live, and every view says so.
  const down = await waitFor(async () => {
    const v = await views();
    return v.http === 503 ? v : undefined;
  }, 30000, '/healthz 503 once frames stop');
  const downAt = Date.now();
  assert.equal(down.health, 'no-signal');
  assert.equal(down.statusLive, false);
  assert.equal(down.status, 'no-signal');
  assert.equal(down.metric, 'no-signal');
  // The STATUS= line systemd shows (and the install health gate reads), sent after that.
  const line = await waitFor(() => rx.with('STATUS').find((m) => m.at >= downAt)?.fields.STATUS, 30000, 'a STATUS= line after /healthz went 503');
  assert.match(line, /^libcamera no-signal [0-9.]+ fps, 0\/\d+ viewers \(no frame from the camera for \d+ s\)$/);
});
