// "/" with several cameras: a tile each (name, state, a still every ~0.7 s); a tap
// opens the camera's page, which streams. Stills: a stream would hold one of the Pi's
// bounded slots per stamp-sized tile. They refresh only while on screen and visible.
import { backoffMs, camerasOf, fetchWithin, retryAfterMs, showBlob } from '/assets/app.js';

const REFRESH_MS = 700;

export function startGrid(cameras) {
  const body = document.body;
  const grid = document.getElementById('grid');
  const line = document.getElementById('status-text');
  // Ends the stream the HTML started (for pages without JavaScript).
  document.getElementById('picture').removeAttribute('src');
  body.dataset.view = 'grid';
  grid.hidden = false;
  document.getElementById('status').hidden = false;
  const names = cameras.map((c) => c.name).join();
  const tiles = cameras.map((c) => {
    const el = document.createElement('a');
    el.className = 'tile';
    el.href = c.urls.page;
    el.dataset.camera = c.name;
    const img = new Image();
    img.alt = c.name;
    const label = document.createElement('span');
    const state = document.createElement('span');
    label.append(document.createElement('i'), c.name, state);
    el.append(img, label);
    grid.append(el);
    return { el, img, state, shown: {}, camera: c, failures: 0, count: 0 };
  });
  tiles.forEach((t, i) => show(t, cameras[i]));

  const seen = new IntersectionObserver((entries) => entries.forEach((e) => {
    const t = tiles.find((x) => x.el === e.target);
    t.onScreen = e.isIntersecting;
    refresh(t);
  }));
  tiles.forEach((t) => seen.observe(t.el));
  document.addEventListener('visibilitychange', () => tiles.forEach(refresh));

  function show(t, c) {
    t.camera = c;
    t.el.dataset.state = c.state;
    t.state.textContent = c.state === 'live' ? c.fps.toFixed(1) + ' fps' : c.state + (c.reason ? ': ' + c.reason : '');
  }

  function refresh(t) {
    if (t.running || !t.onScreen || document.hidden) return;
    t.running = true;
    const started = Date.now();
    const next = (ms) => setTimeout(() => { t.running = false; refresh(t); }, ms);
    fetchWithin(t.camera.urls.snapshot + '?t=' + started, 10000).then((res) => {
      // No picture yet (a camera starting): wait as told.
      if (!res.ok) return next(retryAfterMs(res, 2000));
      return res.blob().then((blob) => showBlob(t.img, blob, t.shown)).then(() => {
        t.failures = 0;
        t.el.dataset.stills = ++t.count;
        next(Math.max(0, REFRESH_MS - (Date.now() - started)));
      });
    }).catch(() => next(backoffMs(++t.failures)));
  }

  (function poll() {
    if (document.hidden) { setTimeout(poll, 2000); return; }
    fetchWithin('/api/status', 4000).then((res) => res.json()).then((st) => {
      const now = camerasOf(st);
      // Cameras added, removed or renamed (a config reload): start again.
      if (now.map((c) => c.name).join() !== names) { location.reload(); return; }
      now.forEach((c, i) => show(tiles[i], c));
      const live = now.filter((c) => c.state === 'live').length;
      line.textContent = now.length + ' cameras · ' + live + ' live';
      body.dataset.state = live ? 'live' : 'connecting';
    }, () => {
      line.textContent = 'Server unreachable';
      body.dataset.state = 'offline';
    }).then(() => setTimeout(poll, 2000));
  })();
}
