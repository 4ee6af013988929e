// The worker thread that draws NO SIGNAL pictures (no-signal.ts): jpeg-js encodes in
// plain JS, ~30 ms a frame on a PC and several times that on a Pi Zero, and on the
// main thread that would hold up every HTTP request each second the camera is down.
import { parentPort } from 'node:worker_threads';
import { drawNoSignal } from './no-signal-draw';

export interface NoSignalRequest {
  id: number;
  width: number;
  height: number;
  quality: number;
  reason: string;
  at: number;
}

export type NoSignalReply = { id: number; jpeg: Uint8Array } | { id: number; error: string };

parentPort?.on('message', (m: NoSignalRequest) => {
  try {
    const jpeg = drawNoSignal(m.width, m.height, m.quality, m.reason, new Date(m.at));
    // A copy that owns its memory, so it can be moved to the main thread without a copy there.
    const out = new Uint8Array(jpeg);
    parentPort!.postMessage({ id: m.id, jpeg: out } satisfies NoSignalReply, [out.buffer]);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message } satisfies NoSignalReply);
  }
});
