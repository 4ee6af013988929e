// Rotation and flips done by OpenCV on the encode path: the real OpenCV source reads a
// real MJPEG file; its output is decoded and compared with the input turned by hand
// (in a child process, see test/helpers/orient-probe.ts for why).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { flipCode, needsOrient } from '../../src/capture/orient';
import { MJPEG_CAPTURE } from '../helpers/fixture-files';
import type { OrientResult } from '../helpers/orient-probe';

test('flip codes and when a re-encode is needed', () => {
  assert.equal(flipCode({ rotation: 0, hflip: false, vflip: false }), null);
  assert.equal(flipCode({ rotation: 0, hflip: true, vflip: false }), 1);
  assert.equal(flipCode({ rotation: 0, hflip: false, vflip: true }), 0);
  assert.equal(flipCode({ rotation: 0, hflip: true, vflip: true }), -1);
  assert.equal(needsOrient({ rotation: 0, hflip: false, vflip: false }), false);
  assert.equal(needsOrient({ rotation: 270, hflip: false, vflip: false }), true);
});

test('OpenCV source rotates and flips before encoding', () => {
  const variants = { plain: {}, r90: { rotation: 90 }, r270: { rotation: 270 }, r180: { rotation: 180 }, h: { hflip: true }, v: { vflip: true }, hv: { hflip: true, vflip: true } };
  const out = execFileSync(process.execPath, [path.join(__dirname, '..', 'helpers', 'orient-probe.js'), MJPEG_CAPTURE, JSON.stringify(variants)], { timeout: 60000 });
  const r = JSON.parse(out.toString()) as Record<string, OrientResult>;
  // JPEG re-encoding at q90 leaves a small difference; a wrong orientation a large one.
  const close = (x: number | null) => x !== null && x < 3;
  const far = (x: number | null) => x === null || x > 10;
  assert.ok(close(r.plain.diffs.none) && far(r.plain.diffs.mirror), JSON.stringify(r.plain));
  assert.deepEqual([r.r90.cols, r.r90.rows], [240, 320]);
  assert.ok(close(r.r90.diffs.cw90) && far(r.r90.diffs.ccw90), JSON.stringify(r.r90));
  assert.ok(close(r.r270.diffs.ccw90) && far(r.r270.diffs.cw90), JSON.stringify(r.r270));
  assert.ok(close(r.r180.diffs.r180) && far(r.r180.diffs.none), JSON.stringify(r.r180));
  assert.ok(close(r.h.diffs.mirror) && far(r.h.diffs.none), JSON.stringify(r.h));
  assert.ok(close(r.v.diffs.upsideDown) && far(r.v.diffs.none), JSON.stringify(r.v));
  assert.ok(close(r.hv.diffs.r180), 'hflip + vflip = rotation 180');
});

test('the Pi camera\'s JPEGs are turned by camstream for rotation 90/270 (rpicam-vid cannot)', () => {
  const variants = { r90: { rotation: 90, via: 'pi' }, r270: { rotation: 270, via: 'pi' } };
  const out = execFileSync(process.execPath, [path.join(__dirname, '..', 'helpers', 'orient-probe.js'), MJPEG_CAPTURE, JSON.stringify(variants)], { timeout: 60000 });
  const r = JSON.parse(out.toString()) as Record<string, OrientResult>;
  const close = (x: number | null) => x !== null && x < 3;
  const far = (x: number | null) => x === null || x > 10;
  assert.deepEqual([r.r90.cols, r.r90.rows], [240, 320]);
  assert.ok(close(r.r90.diffs.cw90) && far(r.r90.diffs.ccw90), JSON.stringify(r.r90));
  assert.deepEqual([r.r270.cols, r.r270.rows], [240, 320]);
  assert.ok(close(r.r270.diffs.ccw90) && far(r.r270.diffs.cw90), JSON.stringify(r.r270));
});
