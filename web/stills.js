// Stills: the camera's snapshot at the chosen rate, holding no streaming slot
// (?mode=snapshot, or by itself where live video does not play).
import { fetchWithin, hideNotice, noticeTag, retryAfterMs, showBlob, showNotice } from '/assets/app.js';

export function createStills(s, img) {
  const body = document.body;
  const modeLink = document.getElementById('mode');

  function enterStills(why) {
    s.mode = 'snapshot';
    body.dataset.mode = 'snapshot';
    modeLink.textContent = 'Live';
    modeLink.href = s.camera.page + '?mode=stream';
    document.getElementById('rate-box').hidden = false;
    const g = s.newAttempt();
    // Ends any MJPEG connection (frees its slot) before the first still arrives.
    img.src = s.camera.snapshot + '?t=' + Date.now();
    if (why) showNotice(why, { label: 'OK', run: hideNotice }, 'stills');
    pollStill(g);
  }

  function pollStill(g) {
    if (g !== s.gen) return;
    const started = Date.now();
    fetchWithin(s.camera.snapshot + '?t=' + started, 10000).then((res) => {
      if (g !== s.gen) return;
      if (!res.ok) {
        // 503 before the camera's first frame: wait as told, then ask again.
        const wait = retryAfterMs(res, 2000);
        s.setState('connecting');
        showNotice('Waiting for the camera…');
        s.timer = setTimeout(() => pollStill(g), Math.max(wait, s.rate));
        return;
      }
      const at = Number(res.headers.get('X-Timestamp')) * 1000 || Date.now();
      return res.blob().then((blob) => showBlob(img, blob, s.still).then(() => {
        if (g !== s.gen) return;
        s.still.blob = blob;
        s.still.at = at;
        s.still.count++;
        body.dataset.stills = String(s.still.count);
        s.failures = 0;
        if (s.state !== 'live') { s.setState('live'); if (noticeTag() !== 'stills') hideNotice(); }
        s.timer = setTimeout(() => pollStill(g), Math.max(0, s.rate - (Date.now() - started)));
      }));
    }).catch((err) => {
      if (g !== s.gen) return;
      if (err && err.name === 'EncodingError') {
        // The answer would not decode: try the next one.
        showNotice('A picture from the camera could not be shown; trying the next one');
        s.timer = setTimeout(() => pollStill(g), s.rate);
        return;
      }
      s.offline(g, 'Camera server unreachable', () => pollStill(g), true);
    });
  }

  return { enterStills, pollStill };
}
