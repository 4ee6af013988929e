// A picture frozen while the camera delivers (a stream dead unseen, or a browser that
// shows only the first frame): FREEZE_POLLS status answers in a row with a new camera
// JPEG (new number and size: a still scene gives the same pixels) and the same one on
// screen, over FREEZE_SECONDS of camera frames. Then reconnect; after 2, stills.
const FREEZE_POLLS = 4;
const FREEZE_SECONDS = 5;
const FREEZE_MIN_FRAMES = 8;

export function createFreezeCheck(s, img) {
  const stale = { key: '', same: 0, reconnects: 0, moved: 0, bytes: -1, seq: -1, since: -1 };
  const sample = document.createElement('canvas');
  sample.width = 64;
  sample.height = 48;

  function pictureKey() {
    try {
      const c = sample.getContext('2d', { willReadFrequently: true });
      c.drawImage(img, 0, 0, 64, 48);
      let h = 0;
      for (const v of c.getImageData(0, 0, 64, 48).data) h = (Math.imul(h, 31) + v) | 0;
      return String(h);
    } catch (e) {
      return '';
    }
  }

  function check(st) {
    // No frame counters (a per-camera entry without them): no evidence.
    if (!st.frames) return;
    const serverChanged = st.frames.bytes !== stale.bytes && st.frames.seq > stale.seq;
    stale.bytes = st.frames.bytes;
    stale.seq = st.frames.seq;
    if (!st.live || !(st.fps > 0) || img.naturalWidth === 0) return;
    const key = pictureKey();
    // The picture could not be read: no evidence either way.
    if (key === '') return;
    if (stale.since < 0) stale.since = st.frames.seq;
    if (key !== stale.key) {
      stale.key = key;
      stale.same = 0;
      stale.since = st.frames.seq;
      // A reconnect brings one new picture; moving on after that counts.
      if (++stale.moved >= 2) stale.reconnects = 0;
      return;
    }
    if (!serverChanged) return;
    stale.same++;
    const missed = st.frames.seq - stale.since;
    if (stale.same < FREEZE_POLLS || missed < Math.max(FREEZE_MIN_FRAMES, Math.ceil(st.fps * FREEZE_SECONDS))) return;
    stale.same = 0;
    stale.since = st.frames.seq;
    if (stale.reconnects >= 2) {
      stale.reconnects = 0;
      s.fallBack('Live video froze in this browser: showing stills.');
      return;
    }
    stale.reconnects++;
    s.reconnect();
  }

  // Playing: count this stream's frames from its first status answer.
  function reset() {
    stale.same = 0;
    stale.moved = 0;
    stale.since = -1;
  }

  return { check, reset };
}
