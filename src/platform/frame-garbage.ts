// Frames are Buffers: their bytes live outside V8's heap (malloc), and are freed only when
// V8 collects the small JS objects that hold them. For frames that die young (a frame is
// the newest for 1/fps s, then garbage) that is the next scavenge, which V8 starts when
// its young generation fills with JS objects, not with frame bytes. With the service's
// 1 MB young generation (node-flags.ts) and 1-3 viewers, that is every 10-30 s, while
// 15 frames a second of 25-60 KB pile up in malloc's heap meanwhile. Measured on the
// libcamera path (the rpicam-vid stand-in, 640x480 at 15 fps; issue 14): the heap went
// from 5 to 12.5 MB once viewers had come and gone, RSS 66 MB; with a collection after
// every 2 MB of frames it stays at ~6 MB, RSS ~60 MB.
//
// So the frame path counts the frame bytes it allocates and asks V8 for a young-
// generation collection (`gc({ type: 'minor' })`, ~0.4 ms with a 1 MB young generation)
// after every FRAME_GARBAGE_BYTES. That needs Node.js's --expose-gc (in NODE_FLAGS);
// started without it (e.g. `node dist/src/cli.js` by hand), counting is all it does.

/** Frame bytes allocated between two young-generation collections. */
export const FRAME_GARBAGE_BYTES = 2 * 1024 * 1024;

type MinorGc = () => void;

function exposedMinorGc(): MinorGc | null {
  const gc = (globalThis as { gc?: (opts?: { type: 'minor' | 'major' }) => void }).gc;
  return typeof gc === 'function' ? () => gc({ type: 'minor' }) : null;
}

export class FrameGarbage {
  private bytes = 0;
  /** Collections asked for (tests read it). */
  collections = 0;

  constructor(
    private readonly everyBytes = FRAME_GARBAGE_BYTES,
    private readonly collect: MinorGc | null = exposedMinorGc(),
  ) {}

  /** `n` bytes of frame memory were just allocated (they will be garbage soon). */
  allocated(n: number): void {
    this.bytes += n;
    if (this.bytes < this.everyBytes) return;
    this.bytes = 0;
    if (!this.collect) return;
    this.collections++;
    this.collect();
  }

  /** Whether collections happen (Node.js was started with --expose-gc). */
  get active(): boolean {
    return this.collect !== null;
  }
}

/** The process's one counter: every camera's frames share malloc's heap. */
export const frameGarbage = new FrameGarbage();
