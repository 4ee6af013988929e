// A Pi has no real-time clock: NTP moves its wall clock by days, sometimes backwards,
// while camstream runs. Here a real `camstream serve` child runs under libfaketime
// (Debian package faketime), whose offset is read from a file at run time, and the
// wall clock is moved by +3 days and then by -1 hour while two viewers watch (one
// capped with ?fps), with the systemd watchdog running and an address locked out.
//
// libfaketime fakes CLOCK_MONOTONIC too unless told not to. A real NTP step never
// moves CLOCK_MONOTONIC, so FAKETIME_DONT_FAKE_MONOTONIC=1: only the wall clock
// jumps, as on the Pi. (Node's timers and performance.now() run on CLOCK_MONOTONIC.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashPassword } from '../../src/auth/scrypt';
import { waitFor, writeConfig } from '../helpers/camstream';
import { watchStream } from '../helpers/frame-counter';
import { bindNotifySocket } from '../helpers/notify-socket';
import { basic, probe } from '../helpers/raw-http';
import { spawnServe } from '../helpers/serve-child';

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/arm-linux-gnueabihf/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find((f) => fs.existsSync(f));
const PASSWORD = 'clock-jump-password';
const LOCK_SEC = 120;
// Pings every 3 s; systemd would kill after 6 s without one.
const WATCHDOG_USEC = 6_000_000;

test('wall clock jumps of +3 days and -1 hour: viewers keep their frames, no camera restart, no missed watchdog ping, lockout and login cache keep their real durations, sane uptime', { timeout: 180000 }, async (t) => {
  assert.ok(LIBFAKETIME, 'libfaketime not found: install the Debian package faketime (scripts/setup.sh --test)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-clock-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const offsetFile = path.join(dir, 'faketime');
  fs.writeFileSync(offsetFile, '+0\n');

  const rx = bindNotifySocket(t);
  const config = writeConfig({
    camera: { source: 'testpattern', width: 160, height: 120, fps: 10, quality: 60 },
    auth: {
      users: [{ name: 'ana', passwordHash: await hashPassword(PASSWORD) }],
      verifyCacheMs: LOCK_SEC * 1000,
      lockout: { delayAfter: 10, delayMs: 0, maxFailures: 3, durationMs: LOCK_SEC * 1000, windowMs: 600000 },
    },
    log: { level: 'debug' },
  }, dir);
  const started = performance.now();
  const { output } = spawnServe(t, config, {
    PATH: process.env.PATH,
    NOTIFY_SOCKET: rx.path,
    WATCHDOG_USEC: String(WATCHDOG_USEC),
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME_TIMESTAMP_FILE: offsetFile,
    // Read the offset file on every clock read, so a jump lands at once.
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  });
  const port = Number((await waitFor(() => /"port":(\d+)[^\n]*"msg":"listening"/.exec(output()), 20000, 'the "listening" line'))[1]);
  const base = `http://127.0.0.1:${port}`;
  const auth = { Authorization: basic('ana', PASSWORD) };
  const lines = () => output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

  const all = watchStream(`${base}/stream`, { headers: auth });
  const capped = watchStream(`${base}/stream?fps=4`, { headers: auth });
  t.after(() => {
    all.close();
    capped.close();
  });
  await waitFor(() => all.frames >= 5 && capped.frames >= 2 && rx.with('WATCHDOG').length >= 1, 20000, 'both viewers and the watchdog running');

  // Lock out 127.0.0.2 (loopback too), so the viewers on 127.0.0.1 are not affected.
  const fromAttacker = (password: string) => probe(`${base}/api/status`, { headers: { Authorization: basic('ana', password) }, localAddress: '127.0.0.2', timeoutMs: 10000 });
  for (let i = 1; i <= 3; i++) assert.equal((await fromAttacker(`guess-${i}`)).status, i < 3 ? 401 : 429);

  /** The child's wall clock minus ours, ms, from its Date header (1 s resolution). */
  const childOffset = async () => {
    const r = await probe(`${base}/api/status`, { headers: auth, timeoutMs: 10000 });
    return Date.parse(String(r.headers.date)) - Date.now();
  };
  const jump = async (offsetSec: number) => {
    fs.writeFileSync(offsetFile, `${offsetSec >= 0 ? '+' : ''}${offsetSec}\n`);
    await waitFor(async () => Math.abs((await childOffset()) - offsetSec * 1000) < 5000, 15000, `the child's clock at ${offsetSec} s`);
  };

  const authenticated = () => lines().filter((l) => l.msg === 'authenticated').length;
  const check = async (when: string) => {
    const before = { all: all.frames, capped: capped.frames, pings: rx.with('WATCHDOG').length };
    // Frames keep coming on both connections (the capped one at ~4 fps), pings too.
    await waitFor(
      () => all.frames >= before.all + 10 && capped.frames >= before.capped + 4 && rx.with('WATCHDOG').length >= before.pings + 3,
      30000,
      `${when}: frames on both viewers and watchdog pings (all ${all.frames - before.all}, capped ${capped.frames - before.capped}, pings ${rx.with('WATCHDOG').length - before.pings})`,
    );
    assert.equal(all.ended || capped.ended, false, `${when}: no viewer cut`);
    const st = JSON.parse((await probe(`${base}/api/status`, { headers: auth, timeoutMs: 10000 })).body.toString());
    const realUptime = (performance.now() - started) / 1000;
    assert.ok(st.uptimeSec >= 0 && st.uptimeSec <= realUptime + 2, `${when}: uptimeSec ${st.uptimeSec}, real ${realUptime.toFixed(1)}`);
    assert.equal(st.source.state, 'live', `${when}: camera live`);
    assert.equal(st.source.restarts, 0, `${when}: no camera restart`);
    assert.equal(st.viewers.length, 2, `${when}: both viewers still connected`);
    // Still locked out, right password and all, and for no longer than the real lock.
    const locked = await fromAttacker(PASSWORD);
    assert.equal(locked.status, 429, `${when}: 127.0.0.2 still locked out`);
    const retry = Number(locked.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= LOCK_SEC, `${when}: Retry-After ${retry} s (lock is ${LOCK_SEC} s)`);
  };

  await check('before any jump');
  // From here on (start-up, which loads OpenCV, is over) every ping is counted.
  const steadyFrom = rx.with('WATCHDOG').length - 1;
  const logins = authenticated();
  assert.ok(logins >= 1, 'the viewers logged in (scrypt ran)');

  await jump(3 * 86400);
  await check('after +3 days');
  await jump(3 * 86400 - 3600);
  await check('after -1 hour');

  // The remembered login was not dropped by the jump forward (no new scrypt run).
  assert.equal(authenticated(), logins, 'logins served from the cache across the jumps');
  // systemd kills at WATCHDOG_USEC without a ping: no gap came near it.
  const at = rx.with('WATCHDOG').slice(steadyFrom).map((m) => m.at);
  const gaps = at.slice(1).map((a, i) => a - at[i]);
  assert.ok(Math.max(...gaps) < WATCHDOG_USEC / 1000, `longest gap between watchdog pings ${Math.max(...gaps)} ms`);
  // A jump seen through the wall clock would report the loop "blocked" for days or hours.
  const bad = lines().filter(
    (l) => ['camera source failed; restarting', 'viewer left'].includes(String(l.msg)) || /watchdog/.test(String(l.msg)) || (l.msg === 'event loop was blocked' && Number(l.blockedMs) > 60000),
  );
  assert.deepEqual(bad, [], 'no restart, no viewer dropped, no withheld ping, no blocked-loop alarm from a jump');
});
