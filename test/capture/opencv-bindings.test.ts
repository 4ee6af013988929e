// The OpenCV addon as scripts/setup.sh and install.sh build it (scripts/opencv-slim):
// compiled for core, imgproc, imgcodecs and videoio only. It must still have everything
// camstream calls (src/capture/{testpattern,no-signal,orient,opencv,auto}.ts), called
// for real here, and load no other OpenCV library.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Mat } from '@u4/opencv4nodejs';
import { cv } from '../../src/capture/cv';

const SLIM_MODULES = ['core', 'imgcodecs', 'imgproc', 'videoio'];

/** OpenCV modules whose libraries this process has mapped. */
function mappedModules(): string[] {
  const mapped = new Set<string>();
  for (const m of fs.readFileSync('/proc/self/maps', 'utf8').matchAll(/\/libopencv_([a-z0-9_]+)\.so/g)) mapped.add(m[1]);
  return [...mapped].sort();
}

/** [blue, green, red] of a CV_8UC3 pixel. */
function bgr(m: Mat, row: number, col: number): number[] {
  const v = m.at(row, col) as unknown as { x: number; y: number; z: number };
  return [v.x, v.y, v.z];
}

test('the addon links only the OpenCV modules camstream uses', () => {
  cv();
  assert.deepEqual(mappedModules(), SLIM_MODULES, 'rebuild it with scripts/setup.sh (scripts/opencv-slim/env.sh)');
});

test('drawing, flips, rotation and JPEG encode/decode work as the test pattern and NO SIGNAL use them', async () => {
  const o = cv();
  const img = new o.Mat(120, 160, o.CV_8UC3, [16, 16, 16]);
  img.drawRectangle(new o.Point2(0, 0), new o.Point2(79, 59), new o.Vec3(0, 0, 255), -1);
  img.putText('frame 1', new o.Point2(10, 100), o.FONT_HERSHEY_SIMPLEX, 0.5, new o.Vec3(255, 255, 255), 1);
  assert.deepEqual(bgr(img, 10, 10), [0, 0, 255], 'the filled rectangle is red (BGR)');
  assert.deepEqual(bgr(img, 10, 100), [16, 16, 16], 'the background outside it');
  let text = 0;
  for (let c = 10; c < 80; c++) for (let r = 85; r < 105; r++) if (bgr(img, r, c)[0] === 255) text++;
  assert.ok(text > 20, `putText drew white pixels (${text})`);

  const flipped = await img.flipAsync(1);
  assert.deepEqual(bgr(flipped, 10, 150), [0, 0, 255], 'mirrored left-right');
  assert.deepEqual(bgr(flipped, 10, 10), [16, 16, 16]);
  for (const [code, size] of [[o.ROTATE_90_CLOCKWISE, [120, 160]], [o.ROTATE_180, [160, 120]], [o.ROTATE_90_COUNTERCLOCKWISE, [120, 160]]] as const) {
    const r = await img.rotateAsync(code);
    assert.deepEqual([r.cols, r.rows], size);
  }

  const jpeg = await o.imencodeAsync('.jpg', img, [o.IMWRITE_JPEG_QUALITY, 80]);
  assert.ok(jpeg[0] === 0xff && jpeg[1] === 0xd8 && jpeg.at(-1) === 0xd9, 'a JPEG');
  assert.ok(o.imencode('.jpg', img).length > 0);
  const back = o.imdecode(jpeg);
  assert.deepEqual([back.cols, back.rows], [160, 120]);
  const [b, g, r] = bgr(back, 10, 10);
  back.release();
  assert.ok(r > 200 && b < 60 && g < 60, `decoded pixel still red: ${[b, g, r]}`);
});

test('VideoCapture and the capture constants the OpenCV source and auto-detection use', () => {
  const o = cv();
  for (const k of ['CAP_ANY', 'CAP_V4L2', 'CAP_GSTREAMER', 'CAP_PROP_FRAME_WIDTH', 'CAP_PROP_FRAME_HEIGHT', 'CAP_PROP_FPS', 'CAP_PROP_FOURCC', 'CAP_PROP_POS_FRAMES'] as const) {
    assert.equal(typeof o[k], 'number', k);
  }
  assert.equal(o.VideoWriter.fourcc('MJPG'), 0x47504a4d);
  assert.equal(typeof o.VideoCapture.prototype.readAsync, 'function');
  // A device that does not exist: OpenCV's V4L2 backend reports it, the binding throws.
  assert.throws(() => new o.VideoCapture('/dev/video-camstream-none', o.CAP_V4L2));
});

test('window functions (highgui is not built) are harmless no-ops, without Qt', () => {
  const o = cv() as unknown as { waitKey: (ms: number) => number; imshow: (name: string, m: Mat) => void; destroyAllWindows: () => void };
  // With the full build these would open Qt windows (and abort without a display).
  assert.ok(!mappedModules().includes('highgui'), 'libopencv_highgui is loaded: not the slim build');
  o.imshow('camstream', new (cv().Mat)(2, 2, cv().CV_8UC3));
  assert.equal(o.waitKey(1), -1, 'no key pressed');
  o.destroyAllWindows();
});
