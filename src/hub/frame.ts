// A frame as every viewer receives it, built once by the hub.
//
// On the wire each frame is one Buffer, written unchanged to every viewer:
//
//   Content-Type: image/jpeg\r\n              ┐
//   Content-Length: 24811\r\n                 │ head (per frame)
//   X-Timestamp: 1764180000.123456\r\n\r\n    ┘
//   <FFD8 … JPEG … FFD9>                      ← jpeg (a view into wire, no copy)
//   \r\n--camstream-boundary\r\n              ← next boundary at once: Chrome paints a
//                                               part only when the next boundary arrives
//
// The stream opens with "--camstream-boundary\r\n", so every part is framed.

export interface Frame {
  readonly seq: number;
  /** Wall-clock ms when the source delivered it: for people (X-Timestamp, /api/status). */
  readonly capturedAt: number;
  /** Monotonic ms when the source delivered it: for ages (live?, watchdog), immune to clock jumps. */
  readonly monoAt: number;
  /** The JPEG alone (snapshots). A view into `wire` once that is built. */
  readonly jpeg: Buffer;
  /** Part headers + JPEG + the next boundary, for /stream; built on first use. */
  readonly wire: Buffer;
  readonly width: number;
  readonly height: number;
  /** false for the NO SIGNAL placeholder shown while the camera is down. */
  readonly live: boolean;
}

export const BOUNDARY = 'camstream-boundary';
export const STREAM_CONTENT_TYPE = `multipart/x-mixed-replace; boundary=${BOUNDARY}`;
/** Written once right after the HTTP headers. */
export const STREAM_PREAMBLE = Buffer.from(`--${BOUNDARY}\r\n`);
const TAIL = Buffer.from(`\r\n--${BOUNDARY}\r\n`);

/**
 * The wire Buffer is built on first use, i.e. when the first viewer is sent the frame:
 * with nobody watching (a Pi's usual state) a frame costs no copy and no header
 * formatting (issue 14). Once built, `jpeg` becomes a view into it, so the source's
 * Buffer (possibly a view into a larger pipe chunk) is let go.
 */
class HubFrame implements Frame {
  private wireBuf: Buffer | null = null;
  constructor(
    readonly seq: number,
    private jpegBuf: Buffer,
    readonly capturedAt: number,
    readonly width: number,
    readonly height: number,
    readonly live: boolean,
    readonly monoAt: number,
  ) {}

  get jpeg(): Buffer {
    return this.jpegBuf;
  }

  get wire(): Buffer {
    if (this.wireBuf) return this.wireBuf;
    const jpeg = this.jpegBuf;
    const ts = (this.capturedAt / 1000).toFixed(6);
    const head = Buffer.from(`Content-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\nX-Timestamp: ${ts}\r\n\r\n`, 'latin1');
    const wire = Buffer.concat([head, jpeg, TAIL], head.length + jpeg.length + TAIL.length);
    this.wireBuf = wire;
    this.jpegBuf = wire.subarray(head.length, head.length + jpeg.length);
    return wire;
  }
}

export function buildFrame(seq: number, jpeg: Buffer, capturedAt: number, width: number, height: number, live: boolean, monoAt: number): Frame {
  return new HubFrame(seq, jpeg, capturedAt, width, height, live, monoAt);
}

/** Width and height from a baseline or progressive JPEG's SOF marker; undefined if not found. */
export function jpegSize(jpeg: Buffer): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 9 < jpeg.length) {
    if (jpeg[i] !== 0xff) return undefined;
    const marker = jpeg[i + 1];
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    const len = jpeg.readUInt16BE(i + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  return undefined;
}
