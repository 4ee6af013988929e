// A camera that opens but never delivers a frame: for what the server says before
// the first frame (/snapshot 503, /healthz unavailable). Streams still get slots.
import type { FrameSink, FrameSource } from '../../src/capture/source';

export class SilentSource implements FrameSource {
  readonly kind = 'silent';
  describe() {
    return 'silent test source';
  }
  async start(_sink: FrameSink) {}
  async stop() {}
}
