// One camera's page ("/" with one camera, /cam/NAME/): its stream or stills, status
// line, snapshot download, full screen; a hidden tab gives its slot back.
import { fetchWithin, hideNotice, showNotice } from '/assets/app.js';
import { createPlayer } from '/assets/player.js';
import { createStills } from '/assets/stills.js';
import { createStatus } from '/assets/status.js';

const HIDDEN_RELEASE_MS = 15000;
const $ = (id) => document.getElementById(id);

const saved = {
  get(k) { try { return localStorage.getItem('camstream.' + k); } catch (e) { return null; } },
  set(k, v) {
    try { if (v === null) localStorage.removeItem('camstream.' + k); else localStorage.setItem('camstream.' + k, v); } catch (e) { /* private mode */ }
  },
};

// The page's state, shared by its parts (player, stills, status get it as `s`).
function createSession(camera, mode, rate) {
  const s = {
    camera, mode, rate,
    // Attempt number: callbacks of older attempts do nothing.
    gen: 0,
    state: 'connecting',
    failures: 0, // consecutive failed attempts (for backoff)
    unreachable: false, // offline as the server did not answer
    timer: null, // the one pending retry / countdown / poll
    unwatch: null, // removes the current <img> listeners
    lastStatus: null, // this camera's (status.js)
    statusCount: 0,
    still: { url: null, blob: null, at: 0, count: 0 },
    setState(x) { s.state = x; document.body.dataset.state = x; },
    clearTimer() {
      clearTimeout(s.timer);
      s.timer = null;
    },
    // Show `render(secondsLeft)` once a second, then run `then`.
    countdown(ms, render, then) {
      s.clearTimer();
      const until = Date.now() + ms;
      let shown = -1;
      (function tick() {
        const left = until - Date.now();
        if (left <= 0) { s.timer = null; then(); return; }
        const sec = Math.ceil(left / 1000);
        if (sec !== shown) { shown = sec; render(sec); }
        s.timer = setTimeout(tick, Math.min(250, left));
      })();
    },
    newAttempt() {
      s.gen++;
      s.clearTimer();
      if (s.unwatch) s.unwatch();
      s.unwatch = null;
      return s.gen;
    },
  };
  return s;
}

/** `name`: the camera of /cam/NAME/, or null on "/" (the server's first camera). */
export function startCameraPage(name) {
  const img = $('picture');
  const view = $('view');
  const rateSel = $('rate');
  const base = name ? '/cam/' + name : '';
  const camera = { name, page: base + '/', stream: base + '/stream', snapshot: base + '/snapshot', q: /auto/.test(img.getAttribute('src')) ? 'variant=auto&' : '' };

  const asked = new URLSearchParams(location.search).get('mode');
  if (asked === 'stream') saved.set('fallback', null);
  let rate = Number(saved.get('rate')) || 1000;
  if (![...rateSel.options].some((o) => Number(o.value) === rate)) rate = 1000;
  rateSel.value = String(rate);

  const s = createSession(camera, document.body.dataset.mode === 'snapshot' ? 'snapshot' : 'stream', rate);
  const player = createPlayer(s, img);
  const stills = createStills(s, img);
  s.offline = player.offline;
  s.reconnect = () => {
    const g = s.newAttempt();
    if (s.mode === 'stream') player.probe(g, false);
    else stills.pollStill(g);
  };
  // Live video does not play in this browser: stills, now and on later visits.
  s.fallBack = (why) => {
    saved.set('fallback', 'snapshot');
    stills.enterStills(why);
  };
  const status = createStatus(s, player, (cameras) => { $('back').hidden = !(name && cameras.length > 1); });

  if (name) {
    document.title = name + ' · camstream';
    $('home').textContent = 'camstream · ' + name;
    $('snap').href = $('link-snapshot').href = camera.snapshot;
    $('link-stream').href = camera.stream;
    $('mode').href = camera.page + new URL($('mode').href).search;
  }

  rateSel.addEventListener('change', () => {
    s.rate = Number(rateSel.value) || 1000;
    saved.set('rate', String(s.rate));
    if (s.lastStatus) status.render(s.lastStatus);
    if (s.mode === 'snapshot') s.reconnect();
  });

  function download(blob, at) {
    // Local time: YYYYMMDD-HHMMSS.
    const t = new Date(at - new Date(at).getTimezoneOffset() * 60000).toISOString().replace(/\D/g, '');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'camstream-' + (name ? name + '-' : '') + t.slice(0, 8) + '-' + t.slice(8, 14) + '.jpg';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }
  $('snap').addEventListener('click', (ev) => {
    ev.preventDefault();
    // Stills: keep the picture on screen; live: ask for the newest.
    if (s.mode === 'snapshot' && s.still.blob) { download(s.still.blob, s.still.at); return; }
    fetchWithin(camera.snapshot, 10000).then((res) => {
      if (!res.ok) throw new Error('the server answered ' + res.status);
      const at = Number(res.headers.get('X-Timestamp')) * 1000 || Date.now();
      return res.blob().then((b) => download(b, at));
    }).catch((err) => showNotice('Snapshot failed: ' + err.message, { label: 'OK', run: hideNotice }));
  });

  // Full screen on tap.
  view.addEventListener('click', () => {
    const d = document;
    if (d.fullscreenElement || d.webkitFullscreenElement) {
      (d.exitFullscreen || d.webkitExitFullscreen).call(d);
      return;
    }
    if (view.classList.contains('expanded')) { view.classList.remove('expanded'); return; }
    const req = view.requestFullscreen || view.webkitRequestFullscreen;
    // iPhone Safari has no Fullscreen API for elements: fill the window instead.
    if (!req) { view.classList.add('expanded'); return; }
    Promise.resolve(req.call(view)).then(() => {
      // A wide picture on an upright phone: turn it sideways where allowed (Android).
      const o = screen.orientation;
      if (o && o.lock && img.naturalWidth > img.naturalHeight) o.lock('landscape').catch(() => {});
    }, () => view.classList.add('expanded'));
  });
  document.addEventListener('fullscreenchange', () => {
    const o = screen.orientation;
    if (!document.fullscreenElement && o && o.unlock) try { o.unlock(); } catch (e) { /* not locked */ }
  });

  let hiddenTimer = null;
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      hiddenTimer = setTimeout(() => {
        s.newAttempt();
        s.setState('paused');
        if (s.mode === 'stream') img.removeAttribute('src');
      }, HIDDEN_RELEASE_MS);
      return;
    }
    clearTimeout(hiddenTimer);
    if (s.state === 'paused') s.reconnect();
  });

  // The Settings sheet's module is fetched when first opened: not part of the first load.
  const openSettings = $('settings-open');
  openSettings.hidden = false;
  openSettings.addEventListener('click', () => import('/assets/settings.js').then((m) => m.openSettings(base)), { once: true });
  $('status').hidden = false;
  if (s.mode === 'stream' && !asked && saved.get('fallback') === 'snapshot') {
    stills.enterStills('Showing stills: live video did not play in this browser before.');
  } else if (s.mode === 'snapshot') {
    stills.enterStills(null);
  } else {
    const g = s.newAttempt();
    // The <img> from the HTML is on its way: watch it, unless it plays another camera.
    if (new URL(img.src, location.href).pathname !== camera.stream) player.startImage(g);
    else if (img.complete && img.naturalWidth > 0) player.playing();
    else if (img.complete) player.probe(g, true);
    else player.watchImage(g);
  }
  status.poll();
}
