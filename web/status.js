// The status line from /api/status every 2 s, and what the page learns from it: the
// camera is down, the server is gone or restarted, our stream ended or froze unseen.
import { camerasOf, fetchWithin, hideNotice, noticeTag, showNotice } from '/assets/app.js';

// This page's camera in the shape of the top-level fields (which describe camera 0):
// on "/" those; on /cam/NAME/ its `cameras` entry. null: no such camera.
export function cameraStatus(st, name) {
  if (!name || !st.cameras) return st;
  const c = st.cameras.find((x) => x.name === name);
  return c && {
    uptimeSec: st.uptimeSec,
    live: c.state === 'live',
    source: { state: c.state, reason: c.reason },
    fps: c.fps,
    resolution: c.resolution,
    slots: { queued: 0, ...c.slots },
    variants: c.variants,
    frames: c.frames || (c.index === 0 ? st.frames : null),
  };
}

export function createStatus(s, player, onCameras) {
  const body = document.body;
  const img = document.getElementById('picture');
  const line = document.getElementById('status-text');
  let lastUptime = -1;
  let deadPolls = 0;
  let failures = 0; // failed polls in a row

  function render(st) {
    const parts = [st.live ? 'Live' : 'Camera ' + st.source.state + (st.source.reason ? ': ' + st.source.reason : ''), st.fps.toFixed(1) + ' fps'];
    if (st.resolution) parts.push(st.resolution.width + '×' + st.resolution.height);
    parts.push(st.slots.used + '/' + st.slots.max + ' viewer' + (st.slots.max === 1 ? '' : 's') + (st.slots.queued ? ' (+' + st.slots.queued + ' waiting)' : ''));
    if (s.mode === 'snapshot') parts.push('stills every ' + s.rate / 1000 + '\u00a0s');
    const w = img.naturalWidth, v = st.variants.find((x) => x.width == w);
    if (s.mode == 'stream' && w && st.variants[0]) parts.push((v ? v.name : 'full') + ' ' + w + '×' + img.naturalHeight);
    line.textContent = parts.join(' · ');
    body.dataset.camera = st.live ? 'live' : 'down';
  }

  function onStatus(all) {
    failures = 0;
    onCameras(camerasOf(all));
    const st = cameraStatus(all, s.camera.name);
    s.lastStatus = st;
    if (!st) {
      line.textContent = 'No camera named "' + s.camera.name + '"';
      body.dataset.camera = 'down';
      return;
    }
    s.statusCount++;
    const restarted = lastUptime >= 0 && st.uptimeSec < lastUptime;
    lastUptime = st.uptimeSec;
    render(st);
    // The server is back: do not sit out the rest of the countdown.
    if (s.state === 'offline' && s.unreachable) return s.reconnect();
    if (s.state === 'live') {
      // The camera is down while the server is up: say so over the picture (the
      // stream stays open with NO SIGNAL frames and resumes by itself).
      if (!st.live) showNotice((st.source.state === 'live' ? 'Camera sends no frames' : 'Camera ' + st.source.state + (st.source.reason ? ': ' + st.source.reason : '')) + ' — waiting for it to come back', null, 'camera');
      else if (noticeTag() === 'camera') hideNotice();
    }
    if (s.mode !== 'stream' || s.state !== 'live') return;
    if (restarted) return s.reconnect();
    // Our stream holds a slot; none in use: it ended without telling the <img>.
    deadPolls = st.slots.used === 0 ? deadPolls + 1 : 0;
    if (deadPolls >= 2) { deadPolls = 0; return s.reconnect(); }
    player.checkStale(st);
  }

  function onLost() {
    s.lastStatus = null;
    line.textContent = 'Server unreachable';
    body.dataset.camera = 'down';
    // The stream went with the server; the <img> shows its last frame and says nothing.
    if (s.mode === 'stream' && (s.state === 'live' || s.state === 'connecting')) {
      const g = s.newAttempt();
      player.offline(g, 'Connection to the camera server lost', () => player.probe(g, false), true);
    }
  }

  function poll() {
    if (document.hidden) { setTimeout(poll, 2000); return; }
    fetchWithin('/api/status', 4000).then((res) => {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(onStatus, () => {
      // One slow answer is not an outage (a busy phone or Pi): two in a row are.
      if (++failures >= 2) onLost();
    }).then(() => setTimeout(poll, 2000));
  }

  return { poll, render };
}
