// Draws the NO SIGNAL picture and encodes it, without OpenCV (see no-signal.ts for why
// and where it runs): the text is a 7-pixel bitmap font (js-pixel-fonts' "Seven plus")
// scaled up, the JPEG is encoded by jpeg-js (pure JS). The fixed parts — background
// and heading — are drawn once per size; each call copies them and adds the reason
// and the time.
import fs from 'node:fs';
import Module from 'node:module';
import type { Font } from 'js-pixel-fonts';
import { NO_SIGNAL_MARK, withComment } from './no-signal-mark';

type Rgb = readonly [number, number, number];
const BACKGROUND: Rgb = [40, 40, 40];
const HEADING: Rgb = [230, 60, 60];
const REASON: Rgb = [235, 235, 235];
const TIME: Rgb = [170, 170, 170];

/** Rows from the top of a capital to the baseline. */
const CAP_ROWS = 7;

interface Drawing {
  font: Font;
  renderPixels: typeof import('js-pixel-fonts').renderPixels;
  encode: (img: { data: Buffer; width: number; height: number }, quality: number) => Buffer;
  /** Widest glyph plus the one-column gap between glyphs. */
  advance: number;
}
let drawing: Drawing | undefined;

/**
 * jpeg-js's own encoder class, kept and reused. Its exported encode() builds a new
 * encoder per call, and that constructor fills two 65535-entry lookup tables with
 * small arrays: ~250 ms of CPU and garbage for every picture, even an 8x8 one, where
 * the encode itself takes a few ms. The class is not exported, so the module is
 * compiled once more with an export of it added; the encoder code is jpeg-js's, as is.
 */
function jpegJsEncoder(): new (quality: number) => { encode(img: { data: Buffer; width: number; height: number }, quality: number): Buffer } {
  const file = require.resolve('jpeg-js/lib/encoder');
  const m = new Module(file, module);
  m.filename = file;
  (m as Module & { _compile(src: string, file: string): void })._compile(`${fs.readFileSync(file, 'utf8')}\nmodule.exports = JPEGEncoder;\n`, file);
  return m.exports;
}

/** Font and encoder, loaded on first use: a camera that never fails never pays for them. */
function tools(): Drawing {
  if (drawing) return drawing;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pf = require('js-pixel-fonts') as typeof import('js-pixel-fonts');
  const Encoder = jpegJsEncoder();
  const encoders = new Map<number, InstanceType<typeof Encoder>>();
  const encode: Drawing['encode'] = (img, quality) => {
    let e = encoders.get(quality);
    if (!e) encoders.set(quality, (e = new Encoder(quality)));
    return e.encode(img, quality);
  };
  const font = pf.fonts.sevenPlus;
  const advance = Math.max(...Object.values(font.glyphs).map((g) => Math.max(...g.pixels.map((r) => r.length)))) + 1;
  drawing = { font, renderPixels: pf.renderPixels, encode, advance };
  return drawing;
}

/** The layout, in pixels, for a frame of this size (the proportions the OpenCV drawing had). */
export function noSignalLayout(width: number, height: number) {
  const scale = Math.max(0.35, Math.min(width / 640, height / 480));
  // Pixel size for a text height that matches OpenCV's Hershey font at that fontScale (22 px caps at 1.0).
  const px = (fontScale: number) => Math.max(1, Math.round((22 * fontScale * scale) / CAP_ROWS));
  const x = Math.round(16 * scale);
  const reasonPx = px(0.55);
  return {
    x,
    heading: { px: px(1.6), baseline: Math.round(height * 0.3) },
    reason: { px: reasonPx, baseline: Math.round(height * 0.45), lineStep: Math.max(Math.round(26 * scale), (CAP_ROWS + 3) * reasonPx), maxLines: 4 },
    time: { px: px(0.7), baseline: Math.round(height * 0.9) },
    /** Characters per reason line that fit between the margins. */
    perLine: Math.max(10, Math.floor((width - 2 * x) / (tools().advance * reasonPx))),
  };
}

const fixedParts = new Map<string, { layout: ReturnType<typeof noSignalLayout>; base: Buffer }>();

/** The NO SIGNAL JPEG for a frame of this size, saying `reason` and the time `at`. Synchronous and CPU-bound. */
export function drawNoSignal(width: number, height: number, quality: number, reason: string, at: Date): Buffer {
  const key = `${width}x${height}`;
  let fixed = fixedParts.get(key);
  if (!fixed) fixedParts.set(key, (fixed = background(width, height)));
  const { layout } = fixed;
  const img = Buffer.from(fixed.base);
  // Long reasons (stderr lines) are wrapped to the frame width.
  wrap(reason, layout.perLine)
    .slice(0, layout.reason.maxLines)
    .forEach((line, i) => drawText(img, width, height, line, layout.x, layout.reason.baseline + i * layout.reason.lineStep, layout.reason.px, REASON));
  drawText(img, width, height, timeText(at), layout.x, layout.time.baseline, layout.time.px, TIME);
  const jpeg = tools().encode({ data: img, width, height }, quality);
  return withComment(jpeg, NO_SIGNAL_MARK);
}

/** The fixed parts, drawn once: the dark grey frame and the heading. */
function background(width: number, height: number): { layout: ReturnType<typeof noSignalLayout>; base: Buffer } {
  const layout = noSignalLayout(width, height);
  const base = Buffer.alloc(width * height * 4);
  for (let i = 0; i < base.length; i += 4) {
    base[i] = BACKGROUND[0];
    base[i + 1] = BACKGROUND[1];
    base[i + 2] = BACKGROUND[2];
    base[i + 3] = 255;
  }
  drawText(base, width, height, 'NO SIGNAL', layout.x, layout.heading.baseline, layout.heading.px, HEADING);
  return { layout, base };
}

/** The time line as shown: "2026-11-30 02:17:09 UTC". */
export function timeText(at: Date): string {
  return at.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** Draw `text` with its baseline at y, each font pixel a px×px square; clipped to the frame. */
function drawText(rgba: Buffer, width: number, height: number, text: string, x0: number, baseline: number, px: number, rgb: Rgb): void {
  // The font has printable ASCII only; anything else shows as "?" rather than vanishing.
  const { font, renderPixels } = tools();
  const printable = [...text].map((c) => (font.glyphs[c] ? c : '?')).join('');
  const rows = renderPixels(printable, font);
  const top = baseline - CAP_ROWS * px;
  rows.forEach((row, ry) => {
    for (let rx = 0; rx < row.length; rx++) {
      if (!row[rx]) continue;
      for (let y = top + ry * px; y < top + (ry + 1) * px; y++) {
        if (y < 0 || y >= height) continue;
        for (let x = x0 + rx * px; x < x0 + (rx + 1) * px && x < width; x++) {
          if (x < 0) continue;
          const o = (y * width + x) * 4;
          rgba[o] = rgb[0];
          rgba[o + 1] = rgb[1];
          rgba[o + 2] = rgb[2];
        }
      }
    }
  });
}

export function wrap(text: string, width: number): string[] {
  // A single over-long word (a path, a URL) is cut rather than run off the picture.
  const words = text.replace(/\s+/g, ' ').trim().split(' ').flatMap((w) => w.match(new RegExp(`.{1,${width}}`, 'g')) ?? []);
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out;
}

