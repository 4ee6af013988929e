// The "NO SIGNAL" picture viewers see while the camera is down: dark grey, the
// reason and the time, drawn and encoded by OpenCV. Rendered at most once a second
// (the supervisor publishes it at ~1 fps), so its cost does not matter.
//
// It carries a JPEG comment (COM segment) "camstream:no-signal" so tools and tests can
// tell it from a camera frame without decoding it.
import type { Mat } from '@u4/opencv4nodejs';
import { cv } from './cv';

export const NO_SIGNAL_MARK = 'camstream:no-signal';

export type NoSignalRender = (reason: string, at: Date) => Promise<Buffer>;

export function noSignalRenderer(width: number, height: number, quality = 70): NoSignalRender {
  let base: Mat | null = null;
  return async (reason, at) => {
    const o = cv();
    base ??= new o.Mat(height, width, o.CV_8UC3, [40, 40, 40]);
    const img = base.copy();
    const scale = Math.max(0.35, Math.min(width / 640, height / 480));
    const thick = Math.max(1, Math.round(2 * scale));
    const white = new o.Vec3(235, 235, 235);
    const grey = new o.Vec3(170, 170, 170);
    const x = Math.round(16 * scale);
    img.putText('NO SIGNAL', new o.Point2(x, Math.round(height * 0.3)), o.FONT_HERSHEY_SIMPLEX, 1.6 * scale, new o.Vec3(60, 60, 230), Math.max(2, thick + 1));
    // Long reasons (stderr lines) are wrapped to the frame width.
    const perLine = Math.max(10, Math.floor(width / (11 * scale)));
    const lines = wrap(reason, perLine).slice(0, 4);
    lines.forEach((line, i) => {
      img.putText(line, new o.Point2(x, Math.round(height * 0.45 + i * 26 * scale)), o.FONT_HERSHEY_SIMPLEX, 0.55 * scale, white, Math.max(1, thick - 1));
    });
    const time = at.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    img.putText(time, new o.Point2(x, Math.round(height * 0.9)), o.FONT_HERSHEY_SIMPLEX, 0.7 * scale, grey, Math.max(1, thick - 1));
    const jpeg = await o.imencodeAsync('.jpg', img, [o.IMWRITE_JPEG_QUALITY, quality]);
    return withComment(jpeg, NO_SIGNAL_MARK);
  };
}

function wrap(text: string, width: number): string[] {
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

/** Insert a COM segment right after SOI. */
export function withComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, body, jpeg.subarray(2)]);
}

/** Is this one of our NO SIGNAL pictures? */
export function isNoSignal(jpeg: Buffer): boolean {
  return jpeg.length > 4 && jpeg[2] === 0xff && jpeg[3] === 0xfe && jpeg.includes(NO_SIGNAL_MARK, 4, 'latin1');
}
