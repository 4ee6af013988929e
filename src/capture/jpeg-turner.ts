// Turns a camera's JPEGs by 90 or 270 degrees in software, for the Pi camera:
// rpicam-vid's --rotation takes only 0 and 180 (its ISP cannot transpose), and a
// camera mounted on its side is what a user means by rotation 90. Each JPEG is
// decoded, turned and encoded again with OpenCV on libuv's thread pool, off the
// event loop. That costs CPU the passthrough does not, so only 90/270 come here.
// One frame is worked on at a time; frames arriving meanwhile replace each other,
// so a slow Pi shows a lower frame rate, never a growing delay.
import { cv } from './cv';
import { orient } from './orient';
import type { FrameSink } from './source';

export class JpegTurner implements FrameSink {
  private busy = false;
  private next: Buffer | null = null;
  private closed = false;
  /** Camera JPEGs that did not decode: skipped, as the passthrough would show them broken. */
  undecodable = 0;

  constructor(
    private readonly out: FrameSink,
    private readonly rotation: 90 | 270,
    private readonly quality: number,
  ) {}

  frame(jpeg: Buffer): void {
    if (this.closed) return;
    if (this.busy) {
      this.next = jpeg;
      return;
    }
    this.busy = true;
    this.run(jpeg).then(
      () => (this.busy = false),
      (err: Error) => {
        // OpenCV itself failed (not one bad frame): the camera cannot be shown turned.
        this.busy = false;
        this.fail(err);
      },
    );
  }

  fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.out.fail(err);
  }

  /** Deliver nothing more (the camera was stopped). */
  close(): void {
    this.closed = true;
    this.next = null;
  }

  private async run(first: Buffer): Promise<void> {
    const o = cv();
    for (let jpeg: Buffer | null = first; jpeg && !this.closed; jpeg = this.take()) {
      const t0 = performance.now();
      let mat;
      try {
        mat = await o.imdecodeAsync(jpeg);
      } catch {
        mat = null;
      }
      if (!mat || mat.empty) {
        mat?.release();
        this.undecodable++;
        continue;
      }
      let turned = mat;
      try {
        turned = await orient(mat, { rotation: this.rotation, hflip: false, vflip: false });
        const out = await o.imencodeAsync('.jpg', turned, [o.IMWRITE_JPEG_QUALITY, this.quality]);
        if (!this.closed) this.out.frame(out, { width: turned.cols, height: turned.rows, encodeMs: performance.now() - t0 });
      } finally {
        // The decoded pictures (~1 MB each at 640x480) go now, not at some later GC. A Mat
        // left to V8's finaliser can also outlive the isolate at exit, and its destructor
        // then crashes the process (SIGSEGV in Mat::~Mat, seen in the tests).
        if (turned !== mat) turned.release();
        mat.release();
      }
    }
  }

  private take(): Buffer | null {
    const j = this.next;
    this.next = null;
    return j;
  }
}
