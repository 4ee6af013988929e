// The NO SIGNAL picture, drawn without OpenCV: decoded again (jpeg-js's decoder) and
// read back glyph by glyph against the font's bitmaps, so it is checked that it says
// "NO SIGNAL", the reason (wrapped) and the time, and nothing runs off the frame.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from 'jpeg-js';
import { fonts, renderPixels } from 'js-pixel-fonts';
import { isNoSignal, noSignalLayout, noSignalRenderer, timeText, wrap } from '../../src/capture/no-signal';
import { jpegSize } from '../../src/hub/frame';

interface Image {
  width: number;
  height: number;
  data: Uint8Array;
}

const luma = (img: Image, x: number, y: number) => {
  const o = (y * img.width + x) * 4;
  return 0.299 * img.data[o] + 0.587 * img.data[o + 1] + 0.114 * img.data[o + 2];
};

/**
 * Share of font pixels of `text` (baseline at y, px-sized) that disagree with the
 * picture: lit where the font has ink, background (luma ≈ 40) where it has none.
 */
function mismatch(img: Image, text: string, x0: number, baseline: number, px: number): number {
  const rows = renderPixels(text, fonts.sevenPlus);
  const top = baseline - 7 * px;
  let bad = 0;
  let n = 0;
  rows.forEach((row, ry) =>
    row.forEach((bit, rx) => {
      // The middle of the font pixel's square, away from JPEG ringing at its edges.
      const x = x0 + rx * px + Math.floor(px / 2);
      const y = top + ry * px + Math.floor(px / 2);
      if (x >= img.width || y >= img.height) return;
      const lit = luma(img, x, y) > 90;
      n++;
      if (lit !== Boolean(bit)) bad++;
    }),
  );
  return bad / n;
}

async function render(width: number, height: number, reason: string, at: Date): Promise<{ jpeg: Buffer; img: Image }> {
  const jpeg = await noSignalRenderer(width, height)(reason, at);
  return { jpeg, img: decode(jpeg, { useTArray: true }) };
}

const AT = new Date('2026-11-30T02:17:09.500Z');

test('NO SIGNAL at 640x480: marked, the camera size, and it says NO SIGNAL, the reason and the time', async () => {
  const reason = 'rpicam-vid exited with code 255: ERROR: *** no cameras available ***';
  const { jpeg, img } = await render(640, 480, reason, AT);
  assert.ok(isNoSignal(jpeg));
  assert.deepEqual(jpegSize(jpeg), { width: 640, height: 480 });
  const L = noSignalLayout(640, 480);
  assert.ok(mismatch(img, 'NO SIGNAL', L.x, L.heading.baseline, L.heading.px) < 0.03, 'heading');
  const lines = wrap(reason, L.perLine);
  assert.equal(lines.length, 2, `wrapped to two lines: ${JSON.stringify(lines)}`);
  lines.forEach((line, i) => assert.ok(mismatch(img, line, L.x, L.reason.baseline + i * L.reason.lineStep, L.reason.px) < 0.03, `reason line ${i}: ${line}`));
  assert.equal(timeText(AT), '2026-11-30 02:17:09 UTC');
  assert.ok(mismatch(img, timeText(AT), L.x, L.time.baseline, L.time.px) < 0.03, 'time');
  // The heading is red, the background dark grey.
  const o = ((L.heading.baseline - L.heading.px * 3) * 640 + L.x + Math.floor(L.heading.px / 2)) * 4; // middle of the N's left stroke
  assert.ok(img.data[o] > 180 && img.data[o + 1] < 110, `heading colour ${img.data.slice(o, o + 3).join(',')}`);
  assert.ok(Math.abs(luma(img, 5, 5) - 40) < 8, 'background');
});

test('a different reason or time changes what is drawn; the check would catch the wrong text', async () => {
  const a = await render(640, 480, 'libcamera: no frame for 5000 ms', AT);
  const L = noSignalLayout(640, 480);
  assert.ok(mismatch(a.img, 'libcamera: no frame for 5000 ms', L.x, L.reason.baseline, L.reason.px) < 0.03);
  assert.ok(mismatch(a.img, 'libcamera: no frame for 9000 ms', L.x, L.reason.baseline, L.reason.px) > 0.005, 'another reason does not match');
  assert.ok(mismatch(a.img, timeText(new Date(AT.getTime() + 1000)), L.x, L.time.baseline, L.time.px) > 0.005, 'another time does not match');
});

test('small frames, long reasons and non-ASCII: wrapped to at most 4 lines inside the frame, unknown characters as "?"', async () => {
  const reason = `could not open /dev/video0: ${'x'.repeat(200)} — déjà vu`;
  const { jpeg, img } = await render(320, 240, reason, AT);
  assert.deepEqual(jpegSize(jpeg), { width: 320, height: 240 });
  const L = noSignalLayout(320, 240);
  const lines = wrap(reason, L.perLine);
  assert.ok(lines.length > 4);
  for (let i = 0; i < 4; i++) {
    const shown = [...lines[i]].map((c) => (fonts.sevenPlus.glyphs[c] ? c : '?')).join('');
    assert.ok(mismatch(img, shown, L.x, L.reason.baseline + i * L.reason.lineStep, L.reason.px) < 0.05, `line ${i}: ${shown}`);
  }
  // Nothing drawn in the right-hand margin of the reason lines.
  const top = L.reason.baseline - 7 * L.reason.px;
  for (let y = top; y < L.reason.baseline + 3 * L.reason.lineStep; y++) {
    for (let x = 320 - L.x + 2; x < 320; x++) assert.ok(luma(img, x, y) < 80, `ink at ${x},${y}`);
  }
  assert.ok(mismatch(img, timeText(AT), L.x, L.time.baseline, L.time.px) < 0.05, 'time');
});
