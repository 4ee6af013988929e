import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureHealth, liveStallMs, RESTART_OVERDUE_MS, STUCK_STATE_MS } from '../../src/platform/capture-health';

const T = 10_000_000;

test('live: healthy while frames are recent, hung once they stop for the stall limit', () => {
  const limit = liveStallMs(15);
  assert.equal(limit, 15000);
  const src = { state: 'live' as const, since: T - 60000 };
  assert.deepEqual(captureHealth({ source: src, lastLiveFrameAt: T - 100, fps: 15, now: T }), { healthy: true, reason: null });
  assert.equal(captureHealth({ source: src, lastLiveFrameAt: T - limit, fps: 15, now: T }).healthy, true);
  const hung = captureHealth({ source: src, lastLiveFrameAt: T - limit - 1000, fps: 15, now: T });
  assert.equal(hung.healthy, false);
  assert.match(hung.reason!, /no camera frame for 16 s/);
});

test('live: a source that just went live gets its grace even with an old last frame', () => {
  assert.equal(captureHealth({ source: { state: 'live', since: T - 1000 }, lastLiveFrameAt: T - 600000, fps: 15, now: T }).healthy, true);
});

test('slow frame rates stretch the stall limit (ten frame intervals)', () => {
  assert.equal(liveStallMs(0.5), 20000);
  assert.equal(captureHealth({ source: { state: 'live', since: 0 }, lastLiveFrameAt: T - 19000, fps: 0.5, now: T }).healthy, true);
});

test('idle and stopped are deliberate: always healthy', () => {
  for (const state of ['idle', 'stopped'] as const) {
    assert.equal(captureHealth({ source: { state, since: 0 }, lastLiveFrameAt: null, fps: 15, now: T }).healthy, true);
  }
});

test('offline with a restart scheduled is progress (unplugged camera); an overdue restart is not', () => {
  const base = { state: 'offline' as const, since: T - 10 * 60000 };
  assert.equal(captureHealth({ source: { ...base, nextRestartAt: T + 5000 }, lastLiveFrameAt: null, fps: 15, now: T }).healthy, true);
  const late = captureHealth({ source: { ...base, nextRestartAt: T - RESTART_OVERDUE_MS - 1000 }, lastLiveFrameAt: null, fps: 15, now: T });
  assert.equal(late.healthy, false);
  assert.match(late.reason!, /restart overdue by 31 s/);
});

test('starting (or offline with nothing scheduled) may not sit still forever', () => {
  for (const state of ['starting', 'offline'] as const) {
    assert.equal(captureHealth({ source: { state, since: T - STUCK_STATE_MS }, lastLiveFrameAt: null, fps: 15, now: T }).healthy, true);
    const stuck = captureHealth({ source: { state, since: T - STUCK_STATE_MS - 1 }, lastLiveFrameAt: null, fps: 15, now: T });
    assert.equal(stuck.healthy, false, state);
    assert.match(stuck.reason!, new RegExp(`camera ${state} for 75 s`));
  }
});
