// One streaming viewer: writes the hub's frames to its socket, never queueing more
// than the frame in flight. If the socket has not taken the last frame when a new one
// lands, the frame is skipped (counted) and the newest one goes out once the write
// completes — so a slow viewer sees a lower frame rate, never a growing delay, and
// costs no memory.
//
// A part goes to the kernel directly when nothing is queued before it (direct-write.ts);
// only what the kernel does not take at once goes through socket.write.
//
// Completion is tracked with write()'s callback, not the socket's 'drain' event:
// Node emits 'drain' only after write() returned false, i.e. only for frames larger
// than the socket's high-water mark (16 KiB). A small frame (320x240, low quality)
// can sit half-written in the socket with no 'drain' ever coming.
import type { Socket } from 'node:net';
import type { Frame } from '../hub/frame';
import { partInto, wireOf } from './wire';
import { writeDirect } from './direct-write';
import { RateMeter } from '../hub/rate';
import { monotonicNow } from '../clock';

/** The user or token a stream was opened with. */
export interface Principal {
  kind: 'user' | 'token';
  name: string;
}

export interface ViewerOptions {
  id: number;
  address: string;
  socket: Socket;
  /** Most frames per second sent to this viewer (from ?fps and stream.maxFps); 0 = every frame. */
  maxFps: number;
  requestedFps?: number;
  principal?: Principal;
  now?: () => number;
  /** The newest frame, sent when the frame in flight has left the socket. */
  latest: () => Frame | null;
  /** True while so few viewers watch that each copying the frame into its own buffer is cheaper than one shared copy (issue 14). */
  fewViewers?: () => boolean;
  /** The socket just refused to take a whole frame (the stall check is needed from now on). */
  onBusy?: () => void;
  onClose: (viewer: Viewer, reason: string) => void;
}

export class Viewer {
  readonly id: number;
  readonly address: string;
  readonly startedAt: number;
  /** The cap in force: min(?fps, stream.maxFps); a reload may lower or raise it. */
  maxFps: number;
  /** What the viewer asked for with ?fps=, if anything (kept so a reload can re-cap). */
  readonly requestedFps: number | undefined;
  /** Who it authenticated as, when access control was on (a reload that removes them closes the stream). */
  readonly principal: Principal | undefined;
  /** The stream.variants picture it gets; null = full size (the camera's own frames). Viewers.setVariant changes it. */
  variant: string | null = null;
  /** ?variant=auto: auto-variant.ts moves it between full size and the variants. */
  auto = false;
  /** A lower cap set by the bandwidth budget (stream.maxMbps, bandwidth.ts); 0 = none. */
  budgetFps = 0;
  sent = 0;
  dropped = 0;
  bytes = 0;
  private lastSeq = 0;
  // Token bucket for the fps cap. Holding up to 2 tokens keeps the average rate
  // right when the cap does not divide the capture rate (20 of 30 fps) and when
  // frames arrive with jitter; a plain minimum interval would give 15 fps there.
  private credit = 2;
  private creditAt = 0;
  /** When the socket first refused to take a whole frame; null while it keeps up. */
  private busySince: number | null = null;
  /** Our writes whose callback has not run yet. */
  private pending = 0;
  private wantsNewest = false;
  private closed = false;
  private readonly rate = new RateMeter(16);
  /** This viewer's own part buffer (see partInto), reused while few viewers watch. */
  private own: Buffer | null = null;
  private readonly socket: Socket;
  private readonly now: () => number;

  constructor(private readonly opts: ViewerOptions) {
    this.id = opts.id;
    this.address = opts.address;
    this.socket = opts.socket;
    this.maxFps = opts.maxFps;
    this.requestedFps = opts.requestedFps;
    this.principal = opts.principal;
    this.now = opts.now ?? monotonicNow;
    this.startedAt = this.now();
    this.creditAt = this.startedAt;
    this.socket.once('close', () => this.close('client closed'));
    // Errors (ECONNRESET, EPIPE) end in 'close'; without a listener they would throw.
    this.socket.on('error', () => {});
  }

  /** Called by the hub for each new frame. Must be cheap: it runs once per viewer per frame. */
  offer(frame: Frame): void {
    if (this.closed) return;
    // The client half-closed: Node ended our side at once, 'close' follows later.
    // A write now would fail ("write after end", logged with a stack): just leave.
    if (this.socket.writableEnded) return this.close('client closed');
    const t = this.now();
    const cap = this.budgetFps > 0 && (this.maxFps === 0 || this.budgetFps < this.maxFps) ? this.budgetFps : this.maxFps;
    if (cap > 0) {
      this.credit = Math.min(2, this.credit + ((t - this.creditAt) * cap) / 1000);
      this.creditAt = t;
      if (this.credit < 0.999) return; // over the ?fps cap: skipping on purpose is not a drop
    }
    // Busy = one of our frames is still (partly) in the socket. writableLength alone
    // would also count bytes written before us (the stream preamble), whose
    // completion we are not told about; a write that finished at once (length 0,
    // callback not yet run) is not busy.
    if (this.pending > 0 && this.socket.writableLength > 0) {
      this.dropped++;
      this.wantsNewest = true;
      return;
    }
    this.send(frame, t);
  }

  /** Is a frame of ours still (partly) waiting in the socket? */
  get busy(): boolean {
    return this.busySince !== null;
  }

  /** How long this viewer's socket has refused to take a whole frame, ms (0 while it keeps up). */
  stalledFor(t: number): number {
    return this.busySince === null ? 0 : t - this.busySince;
  }

  fps(): number {
    return this.rate.rate(this.now());
  }

  /** End the stream. Idempotent. `graceful` lets the last bytes drain first (shutdown). */
  close(reason: string, graceful = false): void {
    if (this.closed) return;
    this.closed = true;
    if (graceful && !this.socket.destroyed) this.socket.end();
    else this.socket.destroy();
    this.opts.onClose(this, reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private send(frame: Frame, t: number): void {
    if (frame.seq <= this.lastSeq) return;
    this.lastSeq = frame.seq;
    if (this.maxFps > 0 || this.budgetFps > 0) this.credit -= 1;
    this.sent++;
    // Sent only when the previous part has left for the kernel (offer's busy check),
    // so our own buffer is free to be written over.
    const wire = this.opts.fewViewers?.() ? this.ownPart(frame) : this.sharedPart(frame);
    this.bytes += wire.length;
    this.rate.mark(t);
    // Straight to the kernel when nothing is queued before it (direct-write.ts); what it
    // does not take goes through the socket, whose callback says when it has left.
    const n = writeDirect(this.socket, wire);
    if (n === wire.length) return;
    this.pending++;
    this.socket.write(n > 0 ? wire.subarray(n) : wire, this.onWritten);
    if (this.socket.writableLength > 0 && this.busySince === null) {
      this.busySince = t;
      this.opts.onBusy?.();
    }
  }

  private sharedPart(frame: Frame): Buffer {
    this.own = null; // many viewers now: our copy is not needed
    return wireOf(frame);
  }

  private ownPart(frame: Frame): Buffer {
    const { buf, length } = partInto(frame, this.own);
    this.own = buf;
    return buf.subarray(0, length);
  }

  /** A frame left the socket's buffer (or the socket failed: then 'close' follows). */
  private readonly onWritten = (err?: Error | null): void => {
    this.pending--;
    if (this.pending > 0 || err || this.closed) return;
    this.busySince = null;
    if (!this.wantsNewest) return;
    this.wantsNewest = false;
    // The socket took everything: send the newest frame now rather than waiting for
    // the next one (through offer, so the ?fps cap still applies).
    const f = this.opts.latest();
    if (f) this.offer(f);
  };
}
