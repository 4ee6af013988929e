// Live MJPEG in the <img>: watch it start, probe with fetch when it does not, wait
// out a full server, back off while it is away, fall back to stills where this
// browser cannot play MJPEG in an <img> (some iOS Safari versions).
import { backoffMs, fetchWithin, hideNotice, retryAfterMs, showBlob, showNotice } from '/assets/app.js';
import { createFreezeCheck } from '/assets/freeze.js';

const FIRST_FRAME_MS = 10000;
// Long enough to wait out the server's queue (stream.queueTimeoutMs); a server that
// is gone shows up in the status poll long before this.
const PROBE_TIMEOUT_MS = 60000;

export function createPlayer(s, img) {
  let strikes = 0; // streams served that the <img> did not show
  const freeze = createFreezeCheck(s, img);
  const seqOf = (st) => (st && st.frames ? st.frames.seq : -1);

  function watchImage(g) {
    function done() {
      img.removeEventListener('load', onLoad);
      img.removeEventListener('error', onError);
      clearTimeout(t);
      if (s.unwatch === done) s.unwatch = null;
    }
    function onLoad() { if (g !== s.gen) return; done(); playing(); }
    function onError() { if (g !== s.gen) return; done(); probe(g, true); }
    // Where the page and the server stood when this attempt began.
    const startPolls = s.statusCount;
    let startSeq = seqOf(s.lastStatus);
    function noFrame() {
      if (g !== s.gen) return;
      const st = s.lastStatus;
      // A viewer queued for a slot waits without an answer: wait on.
      if (st && st.slots.queued > 0) {
        showNotice('Waiting for a free stream slot…');
        t = setTimeout(noFrame, FIRST_FRAME_MS);
        return;
      }
      // Only a browser that had its chances fails: 3 status answers meanwhile and the
      // camera made frames (never this page's clock: a slow phone or Pi must not count).
      const flowing = st && st.live && startSeq >= 0 && seqOf(st) > startSeq;
      if (s.statusCount - startPolls < 3 || !flowing) {
        if (startSeq < 0 && st) startSeq = seqOf(st);
        t = setTimeout(noFrame, 2000);
        return;
      }
      done();
      strike(g, 'no picture arrived');
    }
    let t = setTimeout(noFrame, FIRST_FRAME_MS);
    img.addEventListener('load', onLoad);
    img.addEventListener('error', onError);
    s.unwatch = done;
  }

  function playing() {
    s.failures = 0;
    strikes = 0;
    freeze.reset();
    s.setState('live');
    hideNotice();
  }

  function startImage(g) {
    s.setState('connecting');
    img.src = s.camera.stream + '?' + s.camera.q + 't=' + Date.now();
    if (s.still.url) { URL.revokeObjectURL(s.still.url); s.still.url = null; }
    watchImage(g);
  }

  // The server gave a stream the <img> did not show: twice, and it is stills.
  function strike(g, why) {
    strikes++;
    if (strikes >= 2) s.fallBack('Live video does not play in this browser (' + why + '): showing stills.');
    else probe(g, false);
  }

  // An <img> cannot read a 503 or its Retry-After: ask with fetch. A 200 means a slot
  // is free (the probe lets go of it at once and the <img> takes its place).
  function probe(g, afterImageError) {
    if (g !== s.gen) return;
    if (s.state !== 'busy' && s.state !== 'offline') { s.setState('connecting'); showNotice('Connecting…'); }
    const handle = {};
    fetchWithin(s.camera.stream + '?probe=' + Date.now(), PROBE_TIMEOUT_MS, handle).then((res) => {
      if (g !== s.gen || res.ok) handle.abort();
      if (g !== s.gen) return;
      if (res.ok) {
        // The server streams, yet the <img> reported an error.
        if (afterImageError) return strike(g, 'the image element refused the stream');
        // Give the server a moment to notice the probe has gone (per-address caps).
        s.timer = setTimeout(() => { if (g === s.gen) startImage(g); }, 250);
        return;
      }
      return res.text().catch(() => '').then((text) => {
        if (g !== s.gen) return;
        if (res.status === 503 || res.status === 429) busy(g, res.status, text, retryAfterMs(res, 5000));
        else offline(g, 'The server answered ' + res.status + ' ' + text.trim(), () => probe(g, false));
      });
    }, () => {
      if (g === s.gen) offline(g, 'Camera server unreachable', () => probe(g, false), true);
    });
  }

  // The slot count from the last status, or the server's words ("all 4 stream slots").
  function fullMessage(text) {
    const m = /all (\d+) stream slots/.exec(text);
    const n = s.lastStatus ? s.lastStatus.slots.max : m ? Number(m[1]) : 0;
    if (n === 1) return 'Server full: its one stream slot is in use';
    return 'Server full: all ' + (n ? n + ' ' : '') + 'stream slots are in use';
  }

  // While refused a stream, show a still (it takes no slot).
  function stillWhileWaiting(g) {
    fetchWithin(s.camera.snapshot + '?t=' + Date.now(), 10000).then((res) => {
      if (!res.ok || g !== s.gen) return;
      // Only while refused: a still landing after the stream started would end it.
      const waiting = () => g === s.gen && s.state === 'busy';
      return res.blob().then((blob) => { if (waiting()) return showBlob(img, blob, s.still, waiting); });
    }).catch(() => { /* the countdown goes on; the next probe tells */ });
  }

  function busy(g, status, text, wait) {
    s.setState('busy');
    const why = status === 429 ? 'Too many streams from this device' : /shutting down/.test(text) ? 'The server is restarting' : fullMessage(text);
    stillWhileWaiting(g);
    s.countdown(wait, (sec) => showNotice(why + ' — retrying in ' + sec + '\u00a0s'), () => { if (g === s.gen) probe(g, false); });
  }

  function offline(g, why, retry, network) {
    s.failures++;
    s.unreachable = !!network;
    s.setState('offline');
    s.countdown(backoffMs(s.failures), (sec) => {
      showNotice(why + ' — reconnecting in ' + sec + '\u00a0s', { label: 'Retry now', run: () => { if (g === s.gen) { s.clearTimer(); retry(); } } });
    }, () => { if (g === s.gen) retry(); });
  }

  return { watchImage, playing, startImage, probe, offline, checkStale: freeze.check };
}
