// camstream phone page. Plain browser JavaScript: no build step, no libraries, nothing
// from other hosts. Without it the page still plays, because the server already put
// <img src="/stream"> (or "/snapshot" in stills mode) into the HTML.
//
// What this adds: a status line from /api/status; reconnecting with backoff when the
// stream ends; a "server full, retrying in N s" countdown that honours Retry-After;
// stills mode (polls /snapshot, holds no streaming slot), also used automatically
// where MJPEG in an <img> does not play; a timestamped snapshot download; full screen.
'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var body = document.body;
  var img = $('picture');
  var view = $('view');
  var notice = $('notice');
  var statusBox = $('status');
  var statusText = $('status-text');
  var modeLink = $('mode');
  var rateBox = $('rate-box');
  var rateSel = $('rate');
  var snapBtn = $('snap');

  var STATUS_EVERY_MS = 2000;
  var STATUS_TIMEOUT_MS = 4000;
  var FIRST_FRAME_TIMEOUT_MS = 10000;
  // Long enough to wait out the server's queue (stream.queueTimeoutMs); a server that
  // is gone shows up in the status poll long before this.
  var PROBE_TIMEOUT_MS = 60000;
  var STILL_TIMEOUT_MS = 10000;
  var HIDDEN_RELEASE_MS = 15000;
  // Reconnect delays after consecutive failures; the last one repeats.
  var BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];
  // Verdicts on the picture are counted in status answers and in the server's frames,
  // never in this page's own clock alone: a slow phone (or a slow Pi) answers and
  // paints late, and that lateness must not read as a frozen or unplayable stream.
  var FREEZE_POLLS = 4;          // status answers in a row: camera's picture changed, ours did not
  var FREEZE_SECONDS = 5;        // ...while the camera made at least this many seconds of frames
  var FREEZE_MIN_FRAMES = 8;     // ...and never fewer than this many
  var FIRST_FRAME_POLLS = 3;     // status answers (frames flowing) before "no picture arrived" counts
  var STATUS_LOST_AFTER = 2;     // failed status polls in a row before the server counts as gone

  // ---- small helpers -------------------------------------------------------------
  var store = {
    get: function (k) { try { return localStorage.getItem('camstream.' + k); } catch (e) { return null; } },
    set: function (k, v) {
      try { if (v === null) localStorage.removeItem('camstream.' + k); else localStorage.setItem('camstream.' + k, v); } catch (e) { /* private mode */ }
    },
  };

  function fetchWithin(url, ms, extra) {
    var ac = new AbortController();
    var t = setTimeout(function () { ac.abort(); }, ms);
    var opts = { cache: 'no-store', signal: ac.signal };
    var p = fetch(url, opts).then(function (res) { clearTimeout(t); return res; }, function (err) { clearTimeout(t); throw err; });
    if (extra) extra.abort = function () { clearTimeout(t); ac.abort(); };
    return p;
  }

  // Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3); clamp to 1 s .. 5 min.
  function retryAfterMs(res, fallback) {
    var h = res.headers.get('Retry-After');
    var ms = fallback;
    if (h && /^\d+$/.test(h.trim())) ms = Number(h.trim()) * 1000;
    else if (h && !isNaN(Date.parse(h))) ms = Date.parse(h) - Date.now();
    return Math.min(300000, Math.max(1000, ms));
  }

  function backoffMs(failures) {
    var base = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length) - 1] || BACKOFF_MS[0];
    // A little jitter so a room of phones does not reconnect in lockstep.
    return Math.round(base * (0.85 + Math.random() * 0.3));
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function fileName(d) {
    return 'camstream-' + d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) + '-' + pad(d.getHours()) + pad(d.getMinutes()) + pad(d.getSeconds()) + '.jpg';
  }

  // ---- page state --------------------------------------------------------------
  // Every connection attempt gets a generation number; a callback from an older
  // attempt (a late image event, a slow fetch) sees a newer one and does nothing.
  var gen = 0;
  var state = 'connecting';
  var failures = 0;      // consecutive failed attempts (for backoff)
  var strikes = 0;       // times the server served a stream that the <img> did not show
  var timer = null;      // the one pending retry / countdown / poll
  var unwatch = null;    // removes the current <img> listeners
  var lastStatus = null;
  var lastUptime = -1;
  var deadPolls = 0;
  var stale = { key: '', same: 0, reconnects: 0, moved: 0, bytes: -1, seq: -1, since: -1 };
  var statusCount = 0;   // status answers so far (the page's own progress)
  var statusFailures = 0; // failed status polls in a row
  var hiddenTimer = null;
  var stills = { url: null, blob: null, at: 0, count: 0 };

  var asked = new URLSearchParams(location.search).get('mode');
  if (asked === 'stream') store.set('fallback', null);
  var mode = body.dataset.mode === 'snapshot' ? 'snapshot' : 'stream';
  var rate = Number(store.get('rate')) || 1000;
  if (!Array.prototype.some.call(rateSel.options, function (o) { return Number(o.value) === rate; })) rate = 1000;
  rateSel.value = String(rate);

  function setState(s) {
    state = s;
    body.dataset.state = s;
  }

  function showNotice(text, action) {
    notice.textContent = text;
    if (action) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = action.label;
      b.addEventListener('click', function (ev) { ev.stopPropagation(); action.run(); });
      notice.appendChild(document.createElement('br'));
      notice.appendChild(b);
    }
    notice.hidden = false;
  }
  function hideNotice() { notice.hidden = true; notice.textContent = ''; cameraDown = false; }

  function clearTimer() {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  // Show `render(secondsLeft)` once a second, then run `then`.
  function countdown(ms, render, then) {
    clearTimer();
    var until = Date.now() + ms;
    var shown = -1;
    (function tick() {
      var left = until - Date.now();
      if (left <= 0) { timer = null; then(); return; }
      var s = Math.ceil(left / 1000);
      if (s !== shown) { shown = s; render(s); }
      timer = setTimeout(tick, Math.min(250, left));
    })();
  }

  function newAttempt() {
    gen++;
    clearTimer();
    if (unwatch) unwatch();
    unwatch = null;
    return gen;
  }

  // ---- live MJPEG in the <img> ------------------------------------------------------
  function watchImage(g) {
    function done() {
      img.removeEventListener('load', onLoad);
      img.removeEventListener('error', onError);
      clearTimeout(t);
      if (unwatch === done) unwatch = null;
    }
    function onLoad() { if (g !== gen) return; done(); playing(); }
    function onError() { if (g !== gen) return; done(); probe(g, true); }
    // Where the page and the server stood when this attempt began.
    var startPolls = statusCount;
    var startSeq = lastStatus ? lastStatus.frames.seq : -1;
    function noFrame() {
      if (g !== gen) return;
      // No frame yet. A viewer queued for a slot waits without an answer: keep waiting.
      if (lastStatus && lastStatus.slots.queued > 0) {
        showNotice('Waiting for a free stream slot…');
        t = setTimeout(noFrame, FIRST_FRAME_TIMEOUT_MS);
        return;
      }
      // Only a browser that had its chances counts as failing: the page heard from the
      // server several times meanwhile and the camera made frames. A page too slow to
      // poll, or a camera not delivering, is not this browser's fault: wait on.
      var polls = statusCount - startPolls;
      var flowing = lastStatus && lastStatus.live && startSeq >= 0 && lastStatus.frames.seq > startSeq;
      if (polls < FIRST_FRAME_POLLS || !flowing) {
        if (startSeq < 0 && lastStatus) startSeq = lastStatus.frames.seq;
        t = setTimeout(noFrame, STATUS_EVERY_MS);
        return;
      }
      done();
      strike(g, 'no picture arrived');
    }
    var t = setTimeout(noFrame, FIRST_FRAME_TIMEOUT_MS);
    img.addEventListener('load', onLoad);
    img.addEventListener('error', onError);
    unwatch = done;
  }

  function playing() {
    failures = 0;
    strikes = 0;
    deadPolls = 0;
    stale.same = 0;
    stale.moved = 0;
    stale.since = -1; // this stream's frames are counted from its first status answer
    setState('live');
    hideNotice();
  }

  function startImage(g) {
    setState('connecting');
    img.src = '/stream?t=' + Date.now();
    if (stills.url) { URL.revokeObjectURL(stills.url); stills.url = null; }
    watchImage(g);
  }

  // The server accepted a stream the <img> then failed to show: twice, and this browser
  // cannot play MJPEG in an <img> (some iOS Safari versions): switch to stills.
  function strike(g, why) {
    strikes++;
    if (strikes >= 2) {
      store.set('fallback', 'snapshot');
      enterStills('Live video does not play in this browser (' + why + '): showing stills.');
      return;
    }
    probe(g, false);
  }

  // An <img> cannot read a 503 or its Retry-After, so ask with fetch first: a 200 means
  // a slot is free (the probe lets go of it at once and the <img> takes its place).
  function probe(g, afterImageError) {
    if (g !== gen) return;
    if (state !== 'busy' && state !== 'offline') { setState('connecting'); showNotice('Connecting…'); }
    var handle = {};
    fetchWithin('/stream?probe=' + Date.now(), PROBE_TIMEOUT_MS, handle).then(function (res) {
      if (g !== gen) { handle.abort(); return; }
      if (res.ok) {
        handle.abort();
        if (afterImageError) {
          // The server streams, yet the <img> reported an error.
          strike(g, 'the image element refused the stream');
          return;
        }
        // Give the server a moment to notice the probe has gone (per-address caps).
        timer = setTimeout(function () { if (g === gen) startImage(g); }, 250);
        return;
      }
      var wait = retryAfterMs(res, 5000);
      var status = res.status;
      return res.text().catch(function () { return ''; }).then(function (text) {
        if (g !== gen) return;
        if (status === 503 || status === 429) busy(g, status, text, wait);
        else offline(g, 'The server answered ' + status + ' ' + (text || '').trim(), function () { probe(g, false); });
      });
    }, function () {
      if (g === gen) offline(g, 'Camera server unreachable', function () { probe(g, false); }, true);
    });
  }

  // The slot count from the last status, or from the server's own words ("all 4 stream slots").
  function fullMessage(text) {
    var m = /all (\d+) stream slots/.exec(text);
    var n = lastStatus ? lastStatus.slots.max : m ? Number(m[1]) : 0;
    if (n === 1) return 'Server full: its one stream slot is in use';
    return 'Server full: all ' + (n ? n + ' ' : '') + 'stream slots are in use';
  }

  // While refused a stream, show a still (snapshots take no slot): the camera is
  // still visible, only not moving.
  function stillWhileWaiting(g) {
    fetchWithin('/snapshot?t=' + Date.now(), STILL_TIMEOUT_MS).then(function (res) {
      if (!res.ok || g !== gen) return;
      // Only while still refused: a still landing after the stream started would end it.
      var waiting = function () { return g === gen && state === 'busy'; };
      return res.blob().then(function (blob) { if (waiting()) return showBlob(blob, waiting); });
    }).catch(function () { /* the countdown goes on; the next probe tells */ });
  }

  function busy(g, status, text, wait) {
    setState('busy');
    var why = status === 429
      ? 'Too many streams from this device'
      : /shutting down/.test(text)
        ? 'The server is restarting'
        : fullMessage(text);
    stillWhileWaiting(g);
    countdown(wait, function (s) {
      showNotice(why + ' — retrying in ' + s + '\u00a0s');
    }, function () { if (g === gen) probe(g, false); });
  }

  var unreachable = false; // offline because the server did not answer at all
  function offline(g, why, retry, network) {
    failures++;
    unreachable = !!network;
    setState('offline');
    countdown(backoffMs(failures), function (s) {
      showNotice(why + ' — reconnecting in ' + s + '\u00a0s', { label: 'Retry now', run: function () { if (g === gen) { clearTimer(); retry(); } } });
    }, function () { if (g === gen) retry(); });
  }

  function reconnect() {
    var g = newAttempt();
    if (mode === 'stream') probe(g, false);
    else pollStill(g);
  }

  // A frozen picture while the camera delivers: the stream died without the <img>
  // noticing, or the browser shows only the first frame (some iOS Safari versions).
  // Only counted while the server's newest JPEG keeps changing (new frame number and
  // size, so new content): a still scene gives identical pixels and must not look
  // frozen. Frozen = FREEZE_POLLS status answers in a row with a new camera picture
  // and the same one on our screen, spanning FREEZE_SECONDS of the camera's own frames
  // (its measured rate): a slow page polls late and so takes longer to judge, never
  // less. Frozen: reconnect; still frozen after 2 reconnects: stills mode.
  var sample = document.createElement('canvas');
  sample.width = 64;
  sample.height = 48;
  function pictureKey() {
    try {
      var c = sample.getContext('2d', { willReadFrequently: true });
      c.drawImage(img, 0, 0, sample.width, sample.height);
      var d = c.getImageData(0, 0, sample.width, sample.height).data;
      var h = 0;
      for (var i = 0; i < d.length; i += 1) h = (Math.imul(h, 31) + d[i]) | 0;
      return String(h);
    } catch (e) {
      return '';
    }
  }
  function checkStale(s) {
    var serverChanged = s.frames.bytes !== stale.bytes && s.frames.seq > stale.seq;
    stale.bytes = s.frames.bytes;
    stale.seq = s.frames.seq;
    if (!s.live || !(s.fps > 0) || img.naturalWidth === 0) return;
    var key = pictureKey();
    // The picture could not be read: no evidence either way.
    if (key === '') return;
    if (stale.since < 0) stale.since = s.frames.seq;
    if (key !== stale.key) {
      stale.key = key;
      stale.same = 0;
      stale.since = s.frames.seq;
      // A reconnect always brings one new picture; moving on after that is what counts.
      if (++stale.moved >= 2) stale.reconnects = 0;
      return;
    }
    if (!serverChanged) return;
    stale.same++;
    var missed = s.frames.seq - stale.since;
    if (stale.same < FREEZE_POLLS || missed < Math.max(FREEZE_MIN_FRAMES, Math.ceil(s.fps * FREEZE_SECONDS))) return;
    stale.same = 0;
    stale.since = s.frames.seq;
    if (stale.reconnects >= 2) {
      stale.reconnects = 0;
      store.set('fallback', 'snapshot');
      enterStills('Live video froze in this browser: showing stills.');
      return;
    }
    stale.reconnects++;
    reconnect();
  }

  // ---- stills: /snapshot at the chosen rate, no streaming slot ------------------------
  function enterStills(why) {
    mode = 'snapshot';
    body.dataset.mode = 'snapshot';
    modeLink.textContent = 'Live';
    modeLink.href = '/?mode=stream';
    rateBox.hidden = false;
    var g = newAttempt();
    // Ends any MJPEG connection (and frees its slot) before the first still arrives.
    img.src = '/snapshot?t=' + Date.now();
    if (why) showNotice(why, { label: 'OK', run: hideNotice });
    pollStill(g);
  }

  function showBlob(blob, stillWanted) {
    var url = URL.createObjectURL(blob);
    var pre = new Image();
    pre.src = url;
    // Decode before swapping so the picture never flashes empty.
    return (pre.decode ? pre.decode() : Promise.resolve()).then(function () {
      if (stillWanted && !stillWanted()) { URL.revokeObjectURL(url); return; }
      var old = stills.url;
      img.src = url;
      stills.url = url;
      if (old) URL.revokeObjectURL(old);
    }, function (err) {
      URL.revokeObjectURL(url);
      throw err;
    });
  }

  function pollStill(g) {
    if (g !== gen) return;
    var started = Date.now();
    fetchWithin('/snapshot?t=' + started, STILL_TIMEOUT_MS).then(function (res) {
      if (g !== gen) return;
      if (!res.ok) {
        // 503 before the camera's first frame: wait as told, then ask again.
        var wait = retryAfterMs(res, 2000);
        setState('connecting');
        showNotice('Waiting for the camera…');
        timer = setTimeout(function () { pollStill(g); }, Math.max(wait, rate));
        return;
      }
      var at = Number(res.headers.get('X-Timestamp')) * 1000 || Date.now();
      return res.blob().then(function (blob) {
        return showBlob(blob).then(function () {
          if (g !== gen) return;
          stills.blob = blob;
          stills.at = at;
          stills.count++;
          body.dataset.stills = String(stills.count);
          failures = 0;
          if (state !== 'live') { setState('live'); if (!/stills/.test(notice.textContent)) hideNotice(); }
          timer = setTimeout(function () { pollStill(g); }, Math.max(0, rate - (Date.now() - started)));
        });
      });
    }).catch(function (err) {
      if (g !== gen) return;
      if (err && err.name === 'EncodingError') {
        // The answer came but would not decode: try the next one at the usual rate.
        showNotice('A picture from the camera could not be shown; trying the next one');
        timer = setTimeout(function () { pollStill(g); }, rate);
        return;
      }
      offline(g, 'Camera server unreachable', function () { pollStill(g); }, true);
    });
  }

  rateSel.addEventListener('change', function () {
    rate = Number(rateSel.value) || 1000;
    store.set('rate', String(rate));
    if (lastStatus) renderStatus(lastStatus);
    if (mode === 'snapshot') reconnect();
  });

  // ---- the status line ---------------------------------------------------------------
  function renderStatus(s) {
    var parts = [];
    parts.push(s.live ? 'Live' : 'Camera ' + s.source.state + (s.source.reason ? ': ' + s.source.reason : ''));
    parts.push(s.fps.toFixed(1) + ' fps');
    if (s.resolution) parts.push(s.resolution.width + '×' + s.resolution.height);
    parts.push(s.slots.used + '/' + s.slots.max + ' viewer' + (s.slots.max === 1 ? '' : 's') + (s.slots.queued ? ' (+' + s.slots.queued + ' waiting)' : ''));
    if (mode === 'snapshot') parts.push('stills every ' + rate / 1000 + '\u00a0s');
    statusText.textContent = parts.join(' · ');
    body.dataset.camera = s.live ? 'live' : 'down';
  }

  function onStatus(s) {
    statusCount++;
    statusFailures = 0;
    var restarted = lastUptime >= 0 && s.uptimeSec < lastUptime;
    lastUptime = s.uptimeSec;
    lastStatus = s;
    renderStatus(s);
    if (state === 'offline' && unreachable) {
      // The server is back: do not sit out the rest of the countdown.
      reconnect();
      return;
    }
    if (state === 'live') cameraNotice(s);
    if (mode !== 'stream' || state !== 'live') return;
    if (restarted) { reconnect(); return; }
    // Our own stream holds a slot; none in use means it ended without telling the <img>.
    deadPolls = s.slots.used === 0 ? deadPolls + 1 : 0;
    if (deadPolls >= 2) { deadPolls = 0; reconnect(); return; }
    checkStale(s);
  }

  // The server is up but the camera is not: say so over the picture (the server keeps
  // the stream open and sends NO SIGNAL frames; the picture resumes by itself).
  var cameraDown = false;
  function cameraNotice(s) {
    if (!s.live) {
      cameraDown = true;
      var what = s.source.state === 'live' ? 'Camera sends no frames' : 'Camera ' + s.source.state + (s.source.reason ? ': ' + s.source.reason : '');
      showNotice(what + ' — waiting for it to come back');
    } else if (cameraDown) {
      cameraDown = false;
      hideNotice();
    }
  }

  function onStatusLost() {
    lastStatus = null;
    statusText.textContent = 'Server unreachable';
    body.dataset.camera = 'down';
    // The MJPEG connection went with the server; the <img> keeps its last frame and says nothing.
    if (mode === 'stream' && (state === 'live' || state === 'connecting')) {
      var g = newAttempt();
      offline(g, 'Connection to the camera server lost', function () { probe(g, false); }, true);
    }
  }

  function pollStatus() {
    if (document.hidden) { setTimeout(pollStatus, STATUS_EVERY_MS); return; }
    fetchWithin('/api/status', STATUS_TIMEOUT_MS).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(onStatus, function () {
      // One slow or lost answer is not an outage (a busy phone or Pi): two in a row are.
      if (++statusFailures >= STATUS_LOST_AFTER) onStatusLost();
    }).then(function () {
      setTimeout(pollStatus, STATUS_EVERY_MS);
    });
  }

  // ---- snapshot download ------------------------------------------------------------
  function download(blob, at) {
    var a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = fileName(new Date(at));
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
  }

  snapBtn.addEventListener('click', function (ev) {
    ev.preventDefault();
    // In stills mode the picture on screen is the one to keep; live, ask for the newest.
    if (mode === 'snapshot' && stills.blob) { download(stills.blob, stills.at); return; }
    fetchWithin('/snapshot', STILL_TIMEOUT_MS).then(function (res) {
      if (!res.ok) throw new Error('the server answered ' + res.status);
      var at = Number(res.headers.get('X-Timestamp')) * 1000 || Date.now();
      return res.blob().then(function (b) { download(b, at); });
    }).catch(function (err) {
      showNotice('Snapshot failed: ' + err.message, { label: 'OK', run: hideNotice });
    });
  });

  // ---- full screen on tap -------------------------------------------------------------
  view.addEventListener('click', function () {
    var d = document;
    if (d.fullscreenElement || d.webkitFullscreenElement) {
      (d.exitFullscreen || d.webkitExitFullscreen).call(d);
      return;
    }
    if (view.classList.contains('expanded')) { view.classList.remove('expanded'); return; }
    var req = view.requestFullscreen || view.webkitRequestFullscreen;
    // iPhone Safari has no Fullscreen API for elements: fill the window instead.
    if (!req) { view.classList.add('expanded'); return; }
    Promise.resolve(req.call(view)).then(function () {
      // A wide picture on a phone held upright: turn it sideways where the browser
      // allows (Android Chrome, in full screen only); elsewhere this quietly fails.
      var o = screen.orientation;
      if (o && o.lock && img.naturalWidth > img.naturalHeight) o.lock('landscape').catch(function () {});
    }, function () { view.classList.add('expanded'); });
  });
  document.addEventListener('fullscreenchange', function () {
    var o = screen.orientation;
    if (!document.fullscreenElement && o && o.unlock) try { o.unlock(); } catch (e) { /* not locked */ }
  });

  // ---- a hidden tab gives its slot back ------------------------------------------------
  document.addEventListener('visibilitychange', function () {
    if (document.hidden) {
      hiddenTimer = setTimeout(function () {
        newAttempt();
        setState('paused');
        if (mode === 'stream') img.removeAttribute('src');
      }, HIDDEN_RELEASE_MS);
      return;
    }
    clearTimeout(hiddenTimer);
    if (state === 'paused') reconnect();
  });

  // ---- start ---------------------------------------------------------------------------
  statusBox.hidden = false;
  if (mode === 'stream' && !asked && store.get('fallback') === 'snapshot') {
    enterStills('Showing stills: live video did not play in this browser before.');
  } else if (mode === 'snapshot') {
    enterStills(null);
  } else {
    // The <img src="/stream"> from the HTML is already on its way; watch it.
    var g0 = newAttempt();
    if (img.complete && img.naturalWidth > 0) playing();
    else if (img.complete) probe(g0, true);
    else watchImage(g0);
  }
  pollStatus();
})();
