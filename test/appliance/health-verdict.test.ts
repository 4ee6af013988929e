// The install/upgrade health gate (scripts/lib/appliance.js health, used by install.sh
// and the Ansible role) judges the service by systemd's view of it: READY=1 and the
// STATUS= line the service's own heartbeat sends. These checks tie the gate to the lines
// the service really sends (statusLine), so a change to either side that breaks the
// gate fails here, not on a Pi mid-upgrade. The gate under a real systemd, with auth,
// TLS and allow-lists, is in container.test.ts and test/deploy/ansible.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { SourceState, SourceStatus } from '../../src/capture/status';
import type { ClientPool } from '../../src/stream/client-pool';
import { camerasStatusLine, statusLine, type CameraLine } from '../../src/platform/service-heartbeat';
import type { CameraStateName } from '../../src/pipeline/camera-state';

const REPO = path.resolve(__dirname, '..', '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const gate = require(path.join(REPO, 'scripts', 'lib', 'appliance.js')) as {
  parseShow(text: string): Record<string, string>;
  verdict(props: Record<string, string>): string;
};

const pool = { inUse: 2, max: 20, waiting: 0 } as ClientPool;
const source = (kind: string, state: SourceState, reason: string | null = null): SourceStatus => ({
  kind, description: kind, state, reason, since: 0, restarts: 0, failures: 0, nextRestartAt: null,
});
const running = (StatusText: string) => ({ ActiveState: 'active', SubState: 'running', StatusText });
const word = (v: string) => v.split(' ')[0];

test('the STATUS= lines the service sends: live and idle pass the gate, every other state does not', () => {
  const cases: [SourceStatus, string][] = [
    [source('testpattern', 'live'), 'live'],
    [source('libcamera', 'live'), 'live'],
    [source('auto', 'live'), 'live'],
    // camera.idle=stop released the camera on purpose: healthy, as /healthz says (200 idle).
    [source('v4l2', 'idle', 'no viewers for 60000 ms'), 'idle'],
    [source('testpattern', 'starting'), 'up'],
    [source('files', 'offline', 'ENOENT: no such file or directory, scandir /nonexistent'), 'up'],
    [source('v4l2', 'stopped'), 'up'],
  ];
  for (const [s, want] of cases) {
    const line = statusLine(s, s.state === 'live' ? 15 : 0, pool);
    const v = gate.verdict(running(line));
    assert.equal(word(v), want, `${JSON.stringify(line)} -> ${v}`);
    assert.ok(v.endsWith(line), 'the verdict carries the STATUS= line, for the message');
  }
  // A reason that itself says "live" does not fool it: only the state word counts.
  assert.equal(word(gate.verdict(running(statusLine(source('http', 'offline', 'upstream live stream ended'), 0, pool)))), 'up');
});

test('several cameras: the gate passes only when every camera is live or idle, as /healthz does', () => {
  const cam = (name: string, state: CameraStateName, reason: string | null = null): CameraLine => ({
    name, source: source('libcamera', state === 'no-signal' ? 'offline' : state, reason), fps: state === 'live' ? 15 : 0, pool, state: { state, reason },
  });
  const cases: [CameraLine[], string][] = [
    [[cam('front', 'live'), cam('nozzle', 'live')], 'live'],
    [[cam('front', 'live'), cam('nozzle', 'idle', 'no viewers for 60 s')], 'live'],
    [[cam('front', 'idle'), cam('nozzle', 'idle')], 'idle'],
    [[cam('front', 'live'), cam('nozzle', 'no-signal', 'cannot open /dev/video0')], 'up'],
    [[cam('front', 'starting'), cam('nozzle', 'live')], 'up'],
    // A reason that says "live" or mimics the summary does not fool it.
    [[cam('front', 'no-signal', 'x live, y live | '), cam('nozzle', 'live')], 'up'],
  ];
  for (const [cams, want] of cases) {
    const line = camerasStatusLine(cams);
    assert.ok(line.length <= 200);
    const v = gate.verdict(running(line));
    assert.equal(word(v), want, `${JSON.stringify(line)} -> ${v}`);
    assert.ok(v.endsWith(line));
  }
  // Names and states come first, so the 200-character cut never hides one.
  const long = camerasStatusLine([cam('front', 'live'), cam('nozzle', 'no-signal', 'x'.repeat(300))]);
  assert.equal(long.length, 200);
  assert.match(long, /^2 cameras: front live, nozzle no-signal \| /);
  assert.equal(word(gate.verdict(running(long))), 'up');
});

test('what the heartbeat sends besides: a withheld watchdog and shutting down are not healthy', () => {
  assert.equal(word(gate.verdict(running('watchdog withheld: no frame for 4000 ms'))), 'up');
  assert.equal(word(gate.verdict(running('shutting down'))), 'up');
  // Running without any STATUS= (a build that never sends one) is only "up".
  assert.equal(gate.verdict(running('')), 'up no STATUS= yet');
});

test('systemd states around it: not READY yet, crash-looping, failed, stopped', () => {
  // Before READY=1 a Type=notify unit is "activating"; a stale STATUS= from the
  // previous process must not count.
  assert.equal(word(gate.verdict({ ActiveState: 'activating', SubState: 'start', StatusText: 'testpattern live 15.0 fps, 0/20 viewers' })), 'activating');
  assert.equal(word(gate.verdict({ ActiveState: 'activating', SubState: 'auto-restart', StatusText: '' })), 'activating');
  assert.equal(word(gate.verdict({ ActiveState: 'deactivating', SubState: 'stop-sigterm', StatusText: 'testpattern live 15.0 fps, 0/20 viewers' })), 'down');
  assert.equal(gate.verdict({ ActiveState: 'failed', SubState: 'failed', StatusText: '', Result: 'exit-code', ExecMainStatus: '78' }), 'failed exit-code, exit status 78');
  assert.equal(gate.verdict({ ActiveState: 'inactive', SubState: 'dead' }), 'down inactive/dead');
  assert.equal(gate.verdict({}), 'down unknown/unknown');
});

test('systemctl show output is read as Key=value lines; "=" inside a value is kept', () => {
  const p = gate.parseShow('ActiveState=active\nSubState=running\nStatusText=files offline 0.0 fps, 0/5 viewers (dir=/srv/x)\nResult=success\nExecMainStatus=0\n');
  assert.deepEqual(p, { ActiveState: 'active', SubState: 'running', StatusText: 'files offline 0.0 fps, 0/5 viewers (dir=/srv/x)', Result: 'success', ExecMainStatus: '0' });
  assert.equal(word(gate.verdict(p)), 'up');
});
