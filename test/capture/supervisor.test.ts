// The supervisor's timing logic under fake timers (node:test mock.timers): backoff
// and its cap, stall detection, NO SIGNAL pacing, recovery, idle policy. The source is
// a fake that fails on cue; the hub is the real one. End-to-end behaviour with real
// camera processes and real viewers is in supervision-e2e.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mock, test, type TestContext } from 'node:test';
import { withComment } from '../../src/capture/no-signal';
import type { FrameSink, FrameSource } from '../../src/capture/source';
import { START_TIMEOUT_MS, Supervisor, type SupervisorOptions } from '../../src/capture/supervisor';
import { FrameHub } from '../../src/hub/frame-hub';
import { silentLogger } from '../../src/log';
import { MJPEG_CAPTURE } from '../helpers/fixture-files';

const JPEG = (() => {
  const all = fs.readFileSync(MJPEG_CAPTURE);
  return all.subarray(0, all.indexOf(Buffer.from([0xff, 0xd9])) + 2);
})();

class FakeSource implements FrameSource {
  readonly kind = 'fake';
  starts = 0;
  stops = 0;
  sinks: FrameSink[] = [];
  /** What the next start() does. */
  onStart: 'ok' | 'reject' | 'hang' = 'ok';
  describe() {
    return 'fake camera';
  }
  async start(sink: FrameSink): Promise<void> {
    this.starts++;
    if (this.onStart === 'reject') throw new Error('cannot open /dev/fake');
    if (this.onStart === 'hang') return new Promise(() => {});
    this.sinks.push(sink);
  }
  async stop(): Promise<void> {
    this.stops++;
  }
  get sink(): FrameSink {
    return this.sinks[this.sinks.length - 1];
  }
}

/** Let promise callbacks and setImmediate run (they are not faked). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** Advance fake time in steps, letting async work settle between steps. */
async function advance(ms: number, step = 50): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    mock.timers.tick(Math.min(step, ms - t));
    await flush();
  }
}

function setup(t: TestContext, over: Partial<SupervisorOptions> = {}) {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  const source = new FakeSource();
  const hub = new FrameHub({ dropSameFrames: false, log: silentLogger(), now: () => Date.now() });
  const reasons: string[] = [];
  const sup = new Supervisor({
    source,
    hub,
    log: silentLogger(),
    minBackoffMs: 100,
    maxBackoffMs: 800,
    stallTimeoutMs: 1000,
    // The supervisor's clock is monotonic by default; mock.timers fakes Date, so use it.
    now: () => Date.now(),
    noSignal: async (reason) => {
      reasons.push(reason);
      return withComment(JPEG, 'camstream:no-signal');
    },
    ...over,
  });
  t.after(() => sup.stop());
  return { source, hub, sup, reasons };
}

test('a source that keeps failing is retried after 100, 200, 400, 800, then 800 ms: the backoff is capped', async (t) => {
  const { source, sup } = setup(t);
  source.onStart = 'reject';
  const delays: number[] = [];
  await sup.start();
  await flush();
  for (let i = 0; i < 7; i++) {
    assert.equal(sup.status.state, 'offline');
    assert.match(sup.status.reason ?? '', /cannot open \/dev\/fake/);
    const delay = sup.status.nextRestartAt! - Date.now();
    delays.push(delay);
    // One ms short of the delay nothing happens; at the delay it restarts.
    const before = source.starts;
    await advance(delay - 1, delay - 1);
    assert.equal(source.starts, before, `restarted early (attempt ${i})`);
    await advance(1, 1);
    assert.equal(source.starts, before + 1);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 800, 800, 800]);
  assert.equal(sup.status.restarts, 7);
  assert.equal(sup.status.failures, 8);
});

test('no frame for stallTimeoutMs: offline with the reason, NO SIGNAL about once a second, then live again on restart', async (t) => {
  const { source, hub, sup, reasons } = setup(t, { minBackoffMs: 5000, maxBackoffMs: 5000 });
  await sup.start();
  source.sink.frame(JPEG);
  assert.equal(sup.status.state, 'live');
  assert.equal(hub.latest?.live, true);
  const stale = source.sink;

  await advance(900);
  assert.equal(sup.status.state, 'live', 'not yet stalled');
  await advance(400);
  assert.equal(sup.status.state, 'offline');
  assert.equal(sup.status.reason, 'fake: no frame for 1000 ms');
  assert.equal(source.stops, 1, 'the stalled source was stopped');

  // While down (5 s of backoff): NO SIGNAL frames at ~1 fps, not live.
  const seqBefore = hub.latest!.seq;
  await advance(4500);
  const noSignalFrames = hub.latest!.seq - seqBefore;
  assert.ok(noSignalFrames >= 4 && noSignalFrames <= 6, `NO SIGNAL frames in 4.5 s: ${noSignalFrames}`);
  assert.equal(hub.latest!.live, false);
  assert.ok(reasons.every((r) => r === 'fake: no frame for 1000 ms'), reasons.join(', '));

  // A late frame from the stopped run is ignored.
  stale.frame(JPEG);
  assert.equal(hub.latest!.live, false);

  await advance(600);
  assert.equal(source.starts, 2);
  assert.equal(sup.status.state, 'starting');
  source.sink.frame(JPEG);
  assert.equal(sup.status.state, 'live');
  assert.equal(hub.latest!.live, true);
  assert.equal(sup.status.reason, null);
});

test('a slow start shows NO SIGNAL "starting…" until the first frame; it is not a failure within stallTimeoutMs', async (t) => {
  const { source, hub, sup, reasons } = setup(t, { stallTimeoutMs: 3000 });
  await sup.start();
  await advance(2500);
  assert.equal(sup.status.state, 'starting');
  assert.equal(source.starts, 1);
  assert.equal(hub.latest?.live, false);
  assert.match(reasons[0], /^starting fake camera/);
  source.sink.frame(JPEG);
  assert.equal(sup.status.state, 'live');
  assert.equal(sup.status.failures, 0);
});

test('a start() that never returns is abandoned after START_TIMEOUT_MS and retried', async (t) => {
  const { source, sup } = setup(t, { minBackoffMs: 5000, maxBackoffMs: 5000 });
  source.onStart = 'hang';
  void sup.start();
  await advance(START_TIMEOUT_MS - 500, 500);
  assert.equal(sup.status.state, 'starting');
  await advance(1000, 250);
  assert.equal(sup.status.state, 'offline');
  assert.equal(sup.status.reason, `fake: did not open within ${START_TIMEOUT_MS} ms`);
  source.onStart = 'ok';
  await advance(5000, 250);
  assert.equal(source.starts, 2);
  source.sink.frame(JPEG);
  assert.equal(sup.status.state, 'live');
});

test('the backoff starts over only after the camera has stayed live for a while', async (t) => {
  const { source, sup } = setup(t, { healthyAfterMs: 10000, stallTimeoutMs: 60000 });
  await sup.start();
  // Crash right after each first frame: the delay keeps growing.
  for (const expected of [100, 200, 400]) {
    source.sink.frame(JPEG);
    source.sink.fail(new Error('crashed'));
    assert.equal(sup.status.nextRestartAt! - Date.now(), expected);
    await advance(expected);
  }
  // Now it stays up 10 s (frames every 100 ms): the next failure waits 100 ms again.
  for (let i = 0; i <= 100; i++) {
    source.sink.frame(JPEG);
    await advance(100, 100);
  }
  assert.equal(sup.status.failures, 0);
  source.sink.fail(new Error('crashed'));
  assert.equal(sup.status.nextRestartAt! - Date.now(), 100);
});

test('stop() while waiting to restart cancels the restart', async (t) => {
  const { source, sup } = setup(t);
  source.onStart = 'reject';
  await sup.start();
  await sup.stop();
  assert.equal(sup.status.state, 'stopped');
  await advance(2000, 200);
  assert.equal(source.starts, 1);
});

test('idle policy: camera stopped after idleTimeoutMs without viewers, started again by the next viewer', async (t) => {
  const { source, hub, sup } = setup(t, { idleTimeoutMs: 2000, stallTimeoutMs: 60000 });
  await sup.start();
  source.sink.frame(JPEG);
  await advance(1900);
  assert.equal(sup.status.state, 'live');
  await advance(200);
  assert.equal(sup.status.state, 'idle');
  assert.match(sup.status.reason ?? '', /no viewers for 2 s/);
  assert.equal(source.stops, 1);
  // Idle is not "down": no NO SIGNAL frames are published.
  const seq = hub.latest!.seq;
  await advance(3000, 250);
  assert.equal(hub.latest!.seq, seq);

  sup.viewersChanged(1);
  await flush();
  assert.equal(source.starts, 2);
  assert.equal(sup.status.state, 'starting');
  source.sink.frame(JPEG);
  assert.equal(sup.status.state, 'live');

  // A viewer who leaves and another who comes within the timeout: the camera stays on.
  sup.viewersChanged(0);
  await advance(1500);
  sup.viewersChanged(1);
  await advance(3000);
  assert.equal(sup.status.state, 'live');
  assert.equal(source.stops, 1);
});
