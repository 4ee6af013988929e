// The "NO SIGNAL" picture viewers see while the camera is down: dark grey, the reason
// and the time (no-signal-draw.ts). It is drawn without OpenCV, so the passthrough
// cameras (libcamera, USB MJPEG, relay, files) never load OpenCV's ~100 MB of shared
// libraries, not even when the camera fails (issue 14).
//
// The drawing runs in a worker thread, started at the first NO SIGNAL and ended after
// a while without one (the camera is back), so a pure-JS JPEG encode never blocks the
// event loop and costs no memory while the camera is fine. The supervisor asks for
// one picture at a time, about once a second.
//
// It carries a JPEG comment (COM segment) "camstream:no-signal" so tools and tests can
// tell it from a camera frame without decoding it (no-signal-mark.ts).
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { NoSignalReply, NoSignalRequest } from './no-signal-worker';

export { isNoSignal, NO_SIGNAL_MARK, withComment } from './no-signal-mark';
export { noSignalLayout, timeText, wrap } from './no-signal-draw';

export type NoSignalRender = (reason: string, at: Date) => Promise<Buffer>;

/** The worker ends after this long without a request, ms: long enough that a flapping camera keeps it (and its ~0.5 s of start-up CPU) warm. */
const WORKER_IDLE_MS = 5 * 60 * 1000;

/**
 * The worker's own V8 heap, capped. Left to V8's defaults (sized for a desktop) a worker
 * that draws one picture a second lets garbage pile up: measured with
 * `node dist/bench/no-signal.js`, the process went from 43 to ~155 MB at 640x480 (170 MB
 * at 1920x1080). A small young generation collects each picture's garbage early; jpeg-js's
 * encoder tables need ~20 MB of old generation (16 MB runs out of memory), so 32. The
 * pictures themselves are Buffers outside this heap, so a larger camera does not need
 * more. Should it ever run out, the worker ends, that picture fails, and the next
 * request starts a fresh worker.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 };

interface Running {
  worker: Worker;
  pending: Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>;
}

export function noSignalRenderer(width: number, height: number, quality = 70): NoSignalRender {
  let running: Running | null = null;
  let idle: NodeJS.Timeout | null = null;
  let nextId = 1;

  const start = (): Running => {
    const r: Running = { worker: new Worker(path.join(__dirname, 'no-signal-worker.js'), { resourceLimits: WORKER_LIMITS }), pending: new Map() };
    // A worker that failed or exited answers nothing more: its callers get the error.
    const fail = (err: Error) => {
      if (running === r) running = null;
      for (const p of r.pending.values()) p.reject(err);
      r.pending.clear();
    };
    r.worker.on('message', (m: NoSignalReply) => {
      const p = r.pending.get(m.id);
      if (!p) return;
      r.pending.delete(m.id);
      if (r.pending.size === 0) r.worker.unref();
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(Buffer.from(m.jpeg.buffer, m.jpeg.byteOffset, m.jpeg.byteLength));
    });
    r.worker.on('error', fail);
    r.worker.on('exit', (code) => fail(new Error(`the NO SIGNAL worker exited (${code})`)));
    return r;
  };

  return (reason, at) => {
    const r = (running ??= start());
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => {
      idle = null;
      // The camera is back: free the worker's memory. A later request starts a new one.
      if (running && running.pending.size === 0) {
        void running.worker.terminate();
        running = null;
      }
    }, WORKER_IDLE_MS);
    idle.unref();
    const id = nextId++;
    const req: NoSignalRequest = { id, width, height, quality, reason, at: at.getTime() };
    return new Promise<Buffer>((resolve, reject) => {
      r.pending.set(id, { resolve, reject });
      // Alive while a picture is being drawn; idle, it never keeps the process running.
      r.worker.ref();
      r.worker.postMessage(req);
    });
  };
}
