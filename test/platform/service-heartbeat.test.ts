// The heartbeat with a real notifier on a real unix datagram socket, a real FrameHub and
// ClientPool. Time for the health rule comes from a clock the test moves; the ping timer
// itself is real (WATCHDOG_USEC=200000 → a ping every 100 ms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNotifier } from '../../src/platform/sd-notify';
import { startHeartbeat, statusLine } from '../../src/platform/service-heartbeat';
import { FrameHub } from '../../src/hub/frame-hub';
import { ClientPool } from '../../src/stream/client-pool';
import type { SourceStatus } from '../../src/capture/status';
import { silentLogger } from '../../src/log';
import { bindNotifySocket } from '../helpers/notify-socket';
import { capturingLogger, waitFor } from '../helpers/camstream';
import { cv } from '../../src/capture/cv';

/** A real 16x16 JPEG made by OpenCV. */
async function tinyJpeg(): Promise<Buffer> {
  const o = cv();
  return o.imencode('.jpg', new o.Mat(16, 16, o.CV_8UC3, [0, 128, 255]));
}

const limits = { maxClients: 20, maxClientsPerIp: 6, queueSize: 10, queueTimeoutMs: 1000 };

function source(state: SourceStatus['state'], since: number): SourceStatus {
  return { kind: 'testpattern', description: 'test', state, reason: null, since, restarts: 0, failures: 0, nextRestartAt: null };
}

test('STATUS line: source, state, fps, slots', async () => {
  const pool = new ClientPool(limits);
  assert.equal(statusLine(source('live', 0), 15, pool), 'testpattern live 15.0 fps, 0/20 viewers');
  const a = await pool.acquire('10.0.0.1');
  const b = await pool.acquire('10.0.0.2');
  assert.equal(statusLine(source('live', 0), 14.96, pool), 'testpattern live 15.0 fps, 2/20 viewers');
  a.release();
  b.release();
  const off = { ...source('offline', 0), reason: 'cannot open /dev/video0' };
  assert.equal(statusLine(off, 0, pool), 'testpattern offline 0.0 fps, 0/20 viewers (cannot open /dev/video0)');
});

test('READY=1 with a STATUS at once; WATCHDOG=1 while frames flow, withheld when capture hangs, resumed after', async (t) => {
  const rx = bindNotifySocket(t);
  let now = 1_000_000;
  const clock = () => now;
  const hub = new FrameHub({ dropSameFrames: false, log: silentLogger(), now: clock });
  const pool = new ClientPool(limits);
  const src = source('live', now);
  const notifier = createNotifier({ env: { NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '200000' }, log: silentLogger() });
  const { log, lines } = capturingLogger('info');
  hub.publish(await tinyJpeg());
  const hb = startHeartbeat({ notifier, hub, pool, source: src, fps: 15, log, statusEveryMs: 100, now: clock });
  t.after(() => hb.close());

  await waitFor(() => rx.with('READY').length === 1, 2000, 'READY=1');
  assert.match(rx.with('READY')[0].fields.STATUS, /^testpattern live [0-9.]+ fps, 0\/20 viewers$/);
  await waitFor(() => rx.with('WATCHDOG').length >= 3, 3000, '3 pings');

  // 20 s without a frame while "live": the capture loop is hung.
  now += 20000;
  await waitFor(() => hb.counters.withheld >= 2, 3000, 'pings withheld');
  const pingsWhenHung = rx.with('WATCHDOG').length;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(rx.with('WATCHDOG').length, pingsWhenHung, 'no WATCHDOG=1 while hung');
  assert.ok(rx.messages.some((m) => /^watchdog withheld: no camera frame for 20 s/.test(m.fields.STATUS ?? '')));
  assert.equal(lines().filter((l) => String(l.msg).startsWith('capture loop hung')).length, 1, 'logged once per episode, not per tick');

  // A frame arrives: pings resume.
  hub.publish(await tinyJpeg());
  await waitFor(() => rx.with('WATCHDOG').length >= pingsWhenHung + 2, 3000, 'pings to resume');

  hb.stopping();
  await waitFor(() => rx.with('STOPPING').length === 1, 2000, 'STOPPING=1');
  const pingsAtStop = rx.with('WATCHDOG').length;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(rx.with('WATCHDOG').length, pingsAtStop, 'no pings after STOPPING=1');
});

test('an idle camera (deliberately not capturing) keeps the watchdog fed', async (t) => {
  const rx = bindNotifySocket(t);
  let now = 5_000_000;
  const hub = new FrameHub({ dropSameFrames: false, log: silentLogger(), now: () => now });
  const notifier = createNotifier({ env: { NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '200000' }, log: silentLogger() });
  const hb = startHeartbeat({ notifier, hub, pool: new ClientPool(limits), source: source('idle', now), fps: 15, log: silentLogger(), now: () => now });
  t.after(() => hb.close());
  now += 10 * 60_000; // ten minutes without a frame, on purpose
  await waitFor(() => rx.with('WATCHDOG').length >= 3, 3000, 'pings while idle');
  assert.equal(hb.counters.withheld, 0);
});

test('without WATCHDOG_USEC no pings are sent, but READY and STATUS are', async (t) => {
  const rx = bindNotifySocket(t);
  const hub = new FrameHub({ dropSameFrames: false, log: silentLogger() });
  const notifier = createNotifier({ env: { NOTIFY_SOCKET: rx.path }, log: silentLogger() });
  const hb = startHeartbeat({ notifier, hub, pool: new ClientPool(limits), source: source('starting', Date.now()), fps: 15, log: silentLogger(), statusEveryMs: 50 });
  t.after(() => hb.close());
  await waitFor(() => rx.with('STATUS').length >= 3, 3000, 'status updates');
  assert.equal(rx.with('READY').length, 1);
  assert.equal(rx.with('WATCHDOG').length, 0);
});
