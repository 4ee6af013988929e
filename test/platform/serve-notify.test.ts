// `camstream serve` as systemd runs it: a real child process given NOTIFY_SOCKET and
// WATCHDOG_USEC, talking to a unix datagram socket this test binds (as systemd binds
// /run/systemd/notify). Freezing the process stops the pings; SIGTERM says STOPPING=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindNotifySocket } from '../helpers/notify-socket';
import { waitFor, writeConfig } from '../helpers/camstream';
import { spawnServe } from '../helpers/serve-child';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('serve: READY=1 with a live STATUS once listening, WATCHDOG=1 at half WATCHDOG_USEC, none while frozen, STOPPING=1 and exit 0 on SIGTERM', async (t) => {
  const rx = bindNotifySocket(t);
  const config = writeConfig({ camera: { source: 'testpattern', fps: 10 } });
  const { child, output, exited } = spawnServe(t, config, { PATH: process.env.PATH, NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '400000' });

  const ready = await waitFor(() => rx.with('READY')[0], 15000, `READY=1 (output so far: ${output()})`);
  assert.match(ready.fields.STATUS, /^testpattern \w+ [0-9.]+ fps, 0\/20 viewers/);
  assert.match(output(), /"msg":"listening"/, 'READY comes after the port is open');
  await waitFor(() => rx.messages.some((m) => /^testpattern live [0-9.]+ fps/.test(m.fields.STATUS ?? '')), 15000, 'a live STATUS');

  // Pings every ~200 ms: count them over a second.
  await waitFor(() => rx.with('WATCHDOG').length >= 2, 5000, 'first pings');
  const a = rx.with('WATCHDOG').length;
  await sleep(1000);
  const perSecond = rx.with('WATCHDOG').length - a;
  assert.ok(perSecond >= 3 && perSecond <= 7, `expected ~5 pings per second at WATCHDOG_USEC=400000, got ${perSecond}`);

  // A frozen process (what a hung event loop looks like from outside) sends nothing.
  child.kill('SIGSTOP');
  await sleep(100);
  const frozenAt = rx.with('WATCHDOG').length;
  await sleep(1000);
  assert.equal(rx.with('WATCHDOG').length, frozenAt, 'no WATCHDOG=1 from a frozen process');
  child.kill('SIGCONT');
  await waitFor(() => rx.with('WATCHDOG').length >= frozenAt + 2, 5000, 'pings after SIGCONT');

  child.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(15000).then(() => 'timeout' as const)]);
  assert.equal(code, 0, `exit code (output: ${output().slice(-2000)})`);
  assert.equal(rx.with('STOPPING').length, 1, 'STOPPING=1 sent once');
  const stopAt = rx.messages.findIndex((m) => 'STOPPING' in m.fields);
  assert.ok(!rx.messages.slice(stopAt + 1).some((m) => 'WATCHDOG' in m.fields), 'no ping after STOPPING=1');
});

test('serve without NOTIFY_SOCKET runs as before (notifications are a no-op)', async (t) => {
  const config = writeConfig({ camera: { source: 'testpattern' } });
  const { child, output, exited } = spawnServe(t, config);
  // Signal handlers are installed once start-up finishes; the camera going live is after that.
  await waitFor(() => output().includes('"state":"live"'), 15000, 'the camera live');
  assert.doesNotMatch(output(), /sd_notify|NOTIFY_SOCKET|"module":"systemd".*"level":[45]0/);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
