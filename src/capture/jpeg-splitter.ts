// Splits a byte stream of back-to-back JPEGs (rpicam-vid --codec mjpeg, ffmpeg -f mjpeg,
// a multipart body) into whole JPEGs, whatever the chunking: a frame may span many
// chunks, one chunk may hold several frames, and bytes between frames are skipped.
//
// Scanning for FFD9 alone is not enough: an EXIF thumbnail (APP1) holds a complete
// JPEG of its own, so its FFD9 would cut the frame short. So we walk the marker
// segments by their lengths until SOS, and only then scan the entropy-coded data,
// where a literal 0xFF is always stuffed as FF00 (ITU T.81 B.1.1.5):
//
//   FFD8 | FFEx len … | FFDB len … | FFC0 len … | FFDA len … | entropy data (FF00, FFD0-7) | FFD9
//   SOI    APPn        DQT          SOF          SOS                                        EOI
//
// A marker other than RSTn inside the entropy data (progressive JPEGs have several
// scans) sends us back to walking segments. An SOI in the middle of a frame means the
// producer restarted mid-frame: the partial frame is dropped and the new one begins.
//
// Copies (issue 14, this runs for every chunk of every frame): a chunk is scanned where
// it lies, and a frame that lies wholly inside one chunk is handed on as a view into it,
// without a copy. Only the unfinished frame at a chunk's end is kept, in a buffer of our
// own with room to grow, and the following chunks are appended to it: every byte is
// copied at most about twice, however small the chunks, instead of the whole partial
// frame again on every chunk. Bytes already handed on in a frame are never written
// again (the sink may keep the frame): when the buffer is full, a new one is taken.

export interface SplitterStats {
  frames: number;
  /** Bytes skipped outside frames or in frames dropped as broken. */
  skippedBytes: number;
  /** Frames started but abandoned (truncated, malformed, or over maxFrameBytes). */
  droppedFrames: number;
  /** Bytes copied to keep unfinished frames across chunks (0 when every frame fits in a chunk). */
  copiedBytes: number;
}

const EMPTY = Buffer.alloc(0);
/** Smallest buffer taken for an unfinished frame: a 640x480 camera JPEG fits. */
const MIN_KEEP = 64 * 1024;

const enum State {
  Seek, // looking for FFD8
  Segments, // walking marker segments by length
  Entropy, // inside scan data, looking for a marker
}

export class JpegSplitter {
  /** What is being scanned: a borrowed chunk, or our own buffer (see `owned`). Valid bytes: [0, len). */
  private buf: Buffer = EMPTY;
  private len = 0;
  /** buf is ours, with room after len to append chunks into. */
  private owned = false;
  private state = State.Seek;
  /** Start of the current frame in buf (valid unless Seek). */
  private start = 0;
  /** Scan position in buf. */
  private pos = 0;
  readonly stats: SplitterStats = { frames: 0, skippedBytes: 0, droppedFrames: 0, copiedBytes: 0 };

  constructor(
    private readonly onFrame: (jpeg: Buffer) => void,
    /** A "frame" growing past this is garbage, not a picture: drop it and resync. */
    private readonly maxFrameBytes = 32 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.len === 0) {
      this.buf = chunk; // nothing kept: scan the chunk where it is
      this.len = chunk.length;
      this.owned = false;
    } else {
      this.append(chunk);
    }
    this.scan();
    this.compact();
  }

  /** Forget any partial frame (the producer restarted). */
  reset(): void {
    if (this.state !== State.Seek) this.stats.droppedFrames++;
    this.stats.skippedBytes += this.len - (this.state === State.Seek ? this.pos : this.start);
    this.buf = EMPTY;
    this.len = 0;
    this.owned = false;
    this.state = State.Seek;
    this.start = 0;
    this.pos = 0;
  }

  /** Bytes held waiting for the rest of a frame. */
  get pending(): number {
    return this.len - (this.state === State.Seek ? this.pos : this.start);
  }

  private scan(): void {
    // Only the valid bytes: an owned buffer has spare room after them.
    const b = this.len === this.buf.length ? this.buf : this.buf.subarray(0, this.len);
    for (;;) {
      if (this.state === State.Seek) {
        const i = b.indexOf(0xff, this.pos);
        if (i < 0 || i + 1 >= b.length) {
          // Keep a trailing 0xFF: it may be the first half of FFD8.
          const keep = i >= 0 ? i : b.length;
          this.stats.skippedBytes += keep - this.pos;
          this.pos = keep;
          return;
        }
        if (b[i + 1] === 0xd8) {
          this.stats.skippedBytes += i - this.pos;
          this.start = i;
          this.pos = i + 2;
          this.state = State.Segments;
        } else {
          this.stats.skippedBytes += i + 1 - this.pos;
          this.pos = i + 1;
        }
        continue;
      }

      if (this.pos - this.start > this.maxFrameBytes) {
        this.abandon(this.pos);
        continue;
      }

      if (this.state === State.Segments) {
        if (this.pos + 1 >= b.length) return;
        if (b[this.pos] !== 0xff) {
          this.abandon(this.start + 2); // not a marker where one must be: broken frame
          continue;
        }
        const m = b[this.pos + 1];
        if (m === 0xff) {
          this.pos++; // fill byte before a marker
        } else if (m === 0xd9) {
          this.emit(this.pos + 2);
        } else if (m === 0xd8) {
          this.restartAt(this.pos);
        } else if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) {
          this.pos += 2; // markers without a length
        } else {
          if (this.pos + 3 >= b.length) return;
          const len = b.readUInt16BE(this.pos + 2);
          if (len < 2) {
            this.abandon(this.start + 2);
            continue;
          }
          const next = this.pos + 2 + len;
          if (next > b.length) {
            // Wait for the rest of the segment, unless it could never fit.
            if (next - this.start > this.maxFrameBytes) this.abandon(this.start + 2);
            else return;
            continue;
          }
          this.pos = next;
          if (m === 0xda) this.state = State.Entropy;
        }
        continue;
      }

      // Entropy-coded data.
      const i = b.indexOf(0xff, this.pos);
      if (i < 0 || i + 1 >= b.length) {
        this.pos = i < 0 ? b.length : i;
        return;
      }
      const m = b[i + 1];
      if (m === 0x00 || (m >= 0xd0 && m <= 0xd7)) {
        this.pos = i + 2; // stuffed 0xFF or restart marker: still scan data
      } else if (m === 0xff) {
        this.pos = i + 1;
      } else if (m === 0xd9) {
        this.emit(i + 2);
      } else if (m === 0xd8) {
        this.restartAt(i);
      } else {
        this.pos = i; // another segment (next scan of a progressive JPEG)
        this.state = State.Segments;
      }
    }
  }

  private emit(end: number): void {
    this.stats.frames++;
    const frame = this.buf.subarray(this.start, end);
    this.state = State.Seek;
    this.pos = end;
    this.onFrame(frame);
  }

  /** Drop the frame in progress and look for the next SOI from `from`. */
  private abandon(from: number): void {
    this.stats.droppedFrames++;
    this.stats.skippedBytes += from - this.start;
    this.state = State.Seek;
    this.pos = from;
  }

  private restartAt(soi: number): void {
    this.stats.droppedFrames++;
    this.stats.skippedBytes += soi - this.start;
    this.start = soi;
    this.pos = soi + 2;
    this.state = State.Segments;
  }

  /** Add a chunk after the kept bytes: into the room left in our buffer, else into a new one. */
  private append(chunk: Buffer): void {
    if (this.owned && this.buf.length - this.len >= chunk.length) {
      chunk.copy(this.buf, this.len);
      this.len += chunk.length;
      this.stats.copiedBytes += chunk.length;
      return;
    }
    const keepFrom = this.state === State.Seek ? this.pos : this.start;
    const kept = this.len - keepFrom;
    const next = Buffer.allocUnsafe(Math.max(MIN_KEEP, 2 * (kept + chunk.length)));
    this.buf.copy(next, 0, keepFrom, this.len);
    chunk.copy(next, kept);
    this.stats.copiedBytes += kept + chunk.length;
    this.buf = next;
    this.len = kept + chunk.length;
    this.owned = true;
    this.pos -= keepFrom;
    this.start -= keepFrom;
  }

  /** Forget consumed bytes: none left means the next chunk is scanned in place. */
  private compact(): void {
    const keepFrom = this.state === State.Seek ? this.pos : this.start;
    if (keepFrom < this.len) return; // an unfinished frame (or a trailing 0xFF): kept where it is until the next chunk
    this.buf = EMPTY;
    this.len = 0;
    this.owned = false;
    this.pos -= keepFrom;
    this.start = 0;
  }
}
