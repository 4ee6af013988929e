// A frame as the hub stores it: the JPEG and what is known about it. The hub is a
// pure frame store; how a frame goes out on the wire (the multipart part /stream
// writes) is stream/wire.ts's business. The hub keeps one cache slot per frame for
// that encoding, so it is built once per frame, not per viewer, and only when someone
// streams (with nobody watching, a Pi's usual state, a frame costs no copy: issue 14).

export interface Frame {
  readonly seq: number;
  /** Wall-clock ms when the source delivered it: for people (X-Timestamp, /api/status). */
  readonly capturedAt: number;
  /** Monotonic ms when the source delivered it: for ages (live?, watchdog), immune to clock jumps. */
  readonly monoAt: number;
  /** The JPEG alone (snapshots). A view into the encoded bytes once those are built. */
  readonly jpeg: Buffer;
  readonly width: number;
  readonly height: number;
  /** false for the NO SIGNAL placeholder shown while the camera is down. */
  readonly live: boolean;
  /**
   * The frame's wire encoding, made by `make` on first use and kept for every later
   * call (one slot: stream/wire.ts is its only user). `make` may return a view of the
   * JPEG inside the bytes it built; `jpeg` then becomes that view, so the source's
   * Buffer (possibly a view into a larger pipe chunk) is let go and one piece of
   * memory holds both.
   */
  encoded(make: (frame: Frame) => Encoded): Buffer;
}

export interface Encoded {
  bytes: Buffer;
  /** The JPEG inside `bytes`, when it is there unchanged. */
  jpeg?: Buffer;
}

class HubFrame implements Frame {
  private bytes: Buffer | null = null;
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

  encoded(make: (frame: Frame) => Encoded): Buffer {
    if (this.bytes) return this.bytes;
    const e = make(this);
    this.bytes = e.bytes;
    if (e.jpeg) this.jpegBuf = e.jpeg;
    return e.bytes;
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
