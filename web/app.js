// camstream phone page, entry module. Plain ES modules: no build step, nothing from
// other hosts; without JavaScript the server's <img> still plays. /cam/NAME/: that
// camera's page; "/": the camera page, or the grid when /api/status lists several.
// The server gives the URLs in index.html's <link rel="modulepreload"> and the
// modules' imports of /assets/NAME.js each file's hash (?v=…, cached for a year);
// this file names none, so it is served as stored. It also holds what every part
// uses: fetching with a deadline, Retry-After, backoff, showing a JPEG, the notice.

export function fetchWithin(url, ms, extra) {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  if (extra) extra.abort = () => { clearTimeout(t); ac.abort(); };
  return fetch(url, { cache: 'no-store', signal: ac.signal }).finally(() => clearTimeout(t));
}

// Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3); clamp to 1 s .. 5 min.
export function retryAfterMs(res, fallback) {
  const h = res.headers.get('Retry-After');
  let ms = fallback;
  if (h && /^\d+$/.test(h.trim())) ms = Number(h.trim()) * 1000;
  else if (h && !isNaN(Date.parse(h))) ms = Date.parse(h) - Date.now();
  return Math.min(300000, Math.max(1000, ms));
}

// Reconnect delays after consecutive failures; the last one repeats.
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];
export function backoffMs(failures) {
  const base = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length) - 1] || BACKOFF_MS[0];
  // A little jitter so a room of phones does not reconnect in lockstep.
  return Math.round(base * (0.85 + Math.random() * 0.3));
}

// A JPEG into `img` via an object URL, decoded first so the picture never flashes
// empty; `shown.url`: the URL on screen. Dropped if `wanted()` is false by then.
export function showBlob(img, blob, shown, wanted) {
  const url = URL.createObjectURL(blob);
  const pre = new Image();
  pre.src = url;
  return (pre.decode ? pre.decode() : Promise.resolve()).then(() => {
    if (wanted && !wanted()) { URL.revokeObjectURL(url); return; }
    const old = shown.url;
    img.src = url;
    shown.url = url;
    if (old) URL.revokeObjectURL(old);
  }, (err) => {
    URL.revokeObjectURL(url);
    throw err;
  });
}

// The notice over the picture. Its tag says whose it is, so a part of the page
// clears only its own (the camera-down notice never hides a countdown).
const notice = document.getElementById('notice');
let tag = null;

export function showNotice(text, action, owner) {
  notice.textContent = text;
  if (action) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = action.label;
    b.addEventListener('click', (ev) => { ev.stopPropagation(); action.run(); });
    notice.appendChild(document.createElement('br'));
    notice.appendChild(b);
  }
  notice.hidden = false;
  tag = owner || null;
}

export function hideNotice() { notice.hidden = true; notice.textContent = ''; tag = null; }

export function noticeTag() { return notice.hidden ? null : tag; }

/** The cameras /api/status lists (none from a server older than several cameras). */
export const camerasOf = (st) => (st && Array.isArray(st.cameras) ? st.cameras : []);

const load = (file) => {
  const link = [...document.querySelectorAll('link[rel="modulepreload"]')].find((l) => l.getAttribute('href').split('?')[0] === '/assets/' + file);
  return import(link ? link.href : '/assets/' + file);
};

const cam = /^\/cam\/([a-z0-9][a-z0-9_-]{0,31})\/?$/.exec(location.pathname);
if (cam) {
  load('camera-page.js').then((m) => m.startCameraPage(cam[1]));
} else {
  // No answer (server down or slow): the single-camera page, which shows that and reconnects.
  fetchWithin('/api/status', 4000).then((res) => res.json()).catch(() => null).then((st) => {
    if (camerasOf(st).length > 1) load('grid.js').then((m) => m.startGrid(st.cameras));
    else load('camera-page.js').then((m) => m.startCameraPage(null));
  });
}
