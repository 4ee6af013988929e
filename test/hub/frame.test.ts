import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jpegSize } from '../../src/hub/frame';
import { FrameHub } from '../../src/hub/frame-hub';
import { RateMeter } from '../../src/hub/rate';
import { cv } from '../../src/capture/cv';
import { silentLogger } from '../../src/log';

const jpeg = (w: number, h: number, v = 100) => {
  const o = cv();
  return o.imencode('.jpg', new o.Mat(h, w, o.CV_8UC3, [v, v, v]));
};

test('jpegSize reads the SOF marker', () => {
  assert.deepEqual(jpegSize(jpeg(320, 240)), { width: 320, height: 240 });
  assert.equal(jpegSize(Buffer.from([0xff, 0xd8, 0x00, 0x00])), undefined);
});

test('the hub keeps the newest frame, numbers frames, drops identical ones when asked, isolates listeners', () => {
  let now = 1000;
  const hub = new FrameHub({ dropSameFrames: true, log: silentLogger(), now: () => now });
  const seen: number[] = [];
  hub.subscribe(() => {
    throw new Error('a broken listener');
  });
  hub.subscribe((f) => seen.push(f.seq));
  const a = jpeg(32, 32, 10);
  const b = jpeg(32, 32, 200);
  assert.ok(hub.publish(a));
  now += 100;
  assert.equal(hub.publish(Buffer.from(a)), null, 'identical bytes dropped');
  now += 100;
  assert.ok(hub.publish(b));
  assert.deepEqual(seen, [1, 2]);
  assert.equal(hub.latest?.seq, 2);
  assert.equal(hub.counters.droppedSame, 1);
  assert.equal(hub.counters.listenerErrors, 2);
  assert.deepEqual([hub.latest?.width, hub.latest?.height], [32, 32]);
});

test('RateMeter measures events per second and falls when they stop', () => {
  const r = new RateMeter(8);
  for (let i = 0; i < 8; i++) r.mark(i * 100);
  assert.equal(Math.round(r.rate(700)), 10);
  assert.ok(r.rate(5000) < 2, 'rate decays after events stop');
});
