import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNotifier, formatMessage, watchdogInterval } from '../../src/platform/sd-notify';
import { bindNotifySocket } from '../helpers/notify-socket';
import { capturingLogger, waitFor } from '../helpers/camstream';
import { silentLogger } from '../../src/log';

test('without NOTIFY_SOCKET the notifier is a silent no-op', () => {
  const n = createNotifier({ env: { WATCHDOG_USEC: '4000000' }, log: silentLogger() });
  assert.equal(n.enabled, false);
  assert.equal(n.socketPath, null);
  assert.equal(n.watchdogIntervalMs, null, 'no pings are due when nobody listens');
  n.ready('x');
  n.status('y');
  n.watchdog();
  n.stopping();
  n.close();
});

test('READY, STATUS, WATCHDOG and STOPPING arrive as datagrams on a real unix socket', async (t) => {
  const rx = bindNotifySocket(t);
  const n = createNotifier({ env: { NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '3000000' }, log: silentLogger() });
  t.after(() => n.close());
  assert.equal(n.enabled, true);
  assert.equal(n.watchdogIntervalMs, 1500);
  n.ready('testpattern live 15.0 fps, 0/20 viewers');
  n.status('two\nlines');
  n.watchdog();
  n.stopping();
  await waitFor(() => rx.messages.length >= 4, 3000, '4 datagrams');
  assert.deepEqual(
    rx.messages.map((m) => m.fields),
    [{ READY: '1', STATUS: 'testpattern live 15.0 fps, 0/20 viewers' }, { STATUS: 'two lines' }, { WATCHDOG: '1' }, { STOPPING: '1' }],
  );
});

test('watchdog interval is half of WATCHDOG_USEC, and only for the PID systemd named', () => {
  assert.equal(watchdogInterval({ WATCHDOG_USEC: '4000000' }, 42), 2000);
  assert.equal(watchdogInterval({ WATCHDOG_USEC: '4000000', WATCHDOG_PID: '42' }, 42), 2000);
  assert.equal(watchdogInterval({ WATCHDOG_USEC: '4000000', WATCHDOG_PID: '7' }, 42), null);
  assert.equal(watchdogInterval({ WATCHDOG_USEC: 'soon' }, 42), null);
  assert.equal(watchdogInterval({ WATCHDOG_USEC: '0' }, 42), null);
  assert.equal(watchdogInterval({}, 42), null);
});

test('formatMessage writes one KEY=value line per field', () => {
  assert.equal(formatMessage({ READY: 1, STATUS: 'a\r\nb' }), 'READY=1\nSTATUS=a b\n');
});

test('an abstract NOTIFY_SOCKET is refused with a warning instead of pinging the wrong socket', () => {
  const { log, lines } = capturingLogger('warn');
  const n = createNotifier({ env: { NOTIFY_SOCKET: '@/org/freedesktop/systemd1/notify', WATCHDOG_USEC: '1000000' }, log });
  assert.equal(n.enabled, false);
  assert.equal(n.watchdogIntervalMs, null);
  n.watchdog();
  const warn = lines().find((l) => String(l.msg).includes('abstract socket'));
  assert.ok(warn, `expected a warning about the abstract socket, got ${JSON.stringify(lines())}`);
});

test('a socket path nobody listens on logs one warning and never throws', async (t) => {
  const { log, lines } = capturingLogger('warn');
  const n = createNotifier({ env: { NOTIFY_SOCKET: '/nonexistent/camstream-notify' }, log });
  t.after(() => n.close());
  assert.equal(n.enabled, true);
  for (let i = 0; i < 5; i++) n.watchdog();
  await waitFor(() => lines().length > 0, 2000, 'a warning');
  const failures = lines().filter((l) => String(l.msg).startsWith('sd_notify send failed'));
  assert.equal(failures.length, 1, JSON.stringify(lines()));
  assert.match(String(failures[0].err), /ENOENT|-2/);
});
