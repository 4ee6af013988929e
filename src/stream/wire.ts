// The multipart/x-mixed-replace wire format of /stream. Each frame is one Buffer,
// built once per frame (in the hub frame's cache slot) and written unchanged to every
// viewer:
//
//   Content-Type: image/jpeg\r\n              ┐
//   Content-Length: 24811\r\n                 │ head (per frame)
//   X-Timestamp: 1764180000.123456\r\n\r\n    ┘
//   <FFD8 … JPEG … FFD9>                      ← the frame's jpeg becomes a view into this
//   \r\n--camstream-boundary\r\n              ← next boundary at once: Chrome paints a
//                                               part only when the next boundary arrives
//
// The stream opens with "--camstream-boundary\r\n", so every part is framed.
import type { Encoded, Frame } from '../hub/frame';
import { frameGarbage } from '../platform/frame-garbage';

export const BOUNDARY = 'camstream-boundary';
export const STREAM_CONTENT_TYPE = `multipart/x-mixed-replace; boundary=${BOUNDARY}`;
/** Written once right after the HTTP headers. */
export const STREAM_PREAMBLE = Buffer.from(`--${BOUNDARY}\r\n`);
const TAIL = Buffer.from(`\r\n--${BOUNDARY}\r\n`);

export const STREAM_HEADERS = {
  'Content-Type': STREAM_CONTENT_TYPE,
  'Cache-Control': 'no-store, no-cache, must-revalidate, max-age=0',
  Pragma: 'no-cache',
  Expires: '0',
  // The stream ends only when the connection does; no keep-alive after it.
  Connection: 'close',
  // nginx and similar proxies must not buffer the stream (latency would build up).
  'X-Accel-Buffering': 'no',
} as const;

function partHead(frame: Frame): string {
  return `Content-Type: image/jpeg\r\nContent-Length: ${frame.jpeg.length}\r\nX-Timestamp: ${(frame.capturedAt / 1000).toFixed(6)}\r\n\r\n`;
}

function buildPart(frame: Frame): Encoded {
  const jpeg = frame.jpeg;
  const head = Buffer.from(partHead(frame), 'latin1');
  const bytes = Buffer.concat([head, jpeg, TAIL], head.length + jpeg.length + TAIL.length);
  frameGarbage.allocated(bytes.length);
  return { bytes, jpeg: bytes.subarray(head.length, head.length + jpeg.length) };
}

/** Part headers + JPEG + the next boundary: built on first use, then the same Buffer for every viewer. */
export function wireOf(frame: Frame): Buffer {
  return frame.encoded(buildPart);
}

/**
 * The same part, copied into `into` (a viewer's own buffer, reused from frame to frame)
 * instead of into a new Buffer: `into` when it is big enough, else a new one with room
 * to spare, to keep. The part is the returned buffer's first `length` bytes.
 *
 * Why (issue 14): with one to a few viewers, a fresh frame-sized Buffer per frame is
 * most of what a frame costs. Its memory is new each time (the old ones are freed
 * only at the next GC, seconds later), so every page of it is a page fault; a
 * reused buffer is already mapped, and a copy of a frame into it costs microseconds.
 * With many viewers one shared Buffer (wireOf) is cheaper than a copy each.
 */
export function partInto(frame: Frame, into: Buffer | null): { buf: Buffer; length: number } {
  const head = partHead(frame);
  const jpeg = frame.jpeg;
  const length = head.length + jpeg.length + TAIL.length;
  const buf = into && into.length >= length ? into : Buffer.allocUnsafeSlow(length + (length >> 2));
  buf.write(head, 0, 'latin1');
  jpeg.copy(buf, head.length);
  TAIL.copy(buf, head.length + jpeg.length);
  return { buf, length };
}
