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

function buildPart(frame: Frame): Encoded {
  const jpeg = frame.jpeg;
  const ts = (frame.capturedAt / 1000).toFixed(6);
  const head = Buffer.from(`Content-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\nX-Timestamp: ${ts}\r\n\r\n`, 'latin1');
  const bytes = Buffer.concat([head, jpeg, TAIL], head.length + jpeg.length + TAIL.length);
  return { bytes, jpeg: bytes.subarray(head.length, head.length + jpeg.length) };
}

/** Part headers + JPEG + the next boundary: built on first use, then the same Buffer for every viewer. */
export function wireOf(frame: Frame): Buffer {
  return frame.encoded(buildPart);
}
