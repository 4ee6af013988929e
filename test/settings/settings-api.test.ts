// Camera settings from the phone, against a real camstream with stand-in camera
// programs: the stand-in rpicam-vid and v4l2-ctl record how they were run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { hashPassword } from '../../src/auth/scrypt';
import { capturingLogger, waitFor } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { basic } from '../helpers/raw-http';
import { standin } from '../helpers/standin';
import { watchStream } from '../helpers/stream-watcher';

const PI = { source: 'libcamera', width: 320, height: 240, fps: 10, quality: 60 };
const USB = { source: 'opencv', device: '/dev/video0', fourcc: 'MJPG', width: 320, height: 240, fps: 10, passthrough: true };
const PASSWORD = 'settings-test-password';
const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const VIEW_TOKEN = 'view-token-0123456789abcdef';
const WRITE = { 'Content-Type': 'application/json', 'X-Camstream-Request': '1' };

function stateDir(t: TestContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-state-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

async function authSection() {
  const passwordHash = await hashPassword(PASSWORD);
  return {
    users: [
      { name: 'owner', passwordHash, admin: true },
      { name: 'guest', passwordHash },
    ],
    tokens: [
      { name: 'script', token: ADMIN_TOKEN, admin: true },
      { name: 'nvr', token: VIEW_TOKEN },
    ],
    lockout: { maxFailures: 0, delayAfter: 1000 },
  };
}

const patch = (url: string, body: unknown, headers: Record<string, string>) => fetch(url, { method: 'PATCH', headers: { ...WRITE, ...headers }, body: JSON.stringify(body) });

test('Pi camera: manual focus at a lens position restarts rpicam-vid with those options while a viewer stays connected', async (t) => {
  const s = standin(t, ['pi']);
  const dir = stateDir(t);
  const { log, lines } = capturingLogger();
  const { base } = await startCameraServer(t, { camera: PI, settings: { stateDir: dir }, auth: await authSection() }, { env: s.env, log });
  const owner = { Authorization: basic('owner', PASSWORD) };

  const res = await fetch(`${base}/api/camera/controls`, { headers: owner });
  assert.equal(res.status, 200);
  const listed = (await res.json()) as { editable: boolean; controls: { name: string; group: string; min?: number; max?: number; value: unknown; options?: { value: unknown }[] }[] };
  assert.equal(listed.editable, true);
  const lens = listed.controls.find((c) => c.name === 'lens-position')!;
  assert.deepEqual([lens.group, lens.min, lens.max], ['focus', 0, 32]);
  assert.deepEqual(listed.controls.find((c) => c.name === 'resolution')!.options!.map((o) => o.value), ['1536x864', '2304x1296', '4608x2592', '320x240']);
  assert.deepEqual([...new Set(listed.controls.map((c) => c.group))].sort(), ['exposure', 'focus', 'format', 'picture']);

  const w = await watchStream(`${base}/stream`, { headers: owner });
  t.after(() => w.close());
  await waitFor(() => w.parts.filter((p) => !p.noSignal).length >= 3, 20000, 'first frames');
  const runsBefore = s.runs('rpicam-vid').filter((l) => !l.startsWith('--list-cameras')).length;

  const r = await patch(`${base}/api/camera/settings`, { 'autofocus-mode': 'manual', 'lens-position': 2.5 }, owner);
  assert.equal(r.status, 200, await r.clone().text());
  const done = (await r.json()) as { restarted: boolean; gapMs: number };
  assert.equal(done.restarted, true);
  assert.ok(lines().some((l) => l.msg === 'camera state' && /settings from the page \(autofocus-mode, lens-position\)/.test(String(l.reason))), 'the restart is logged with its reason');
  const runs = s.runs('rpicam-vid').filter((l) => !l.startsWith('--list-cameras'));
  assert.equal(runs.length, runsBefore + 1);
  assert.match(runs.at(-1)!, /--autofocus-mode manual --lens-position 2\.5 -o -$/);
  // The same connection keeps getting pictures from the restarted camera.
  const seen = w.parts.length;
  await waitFor(() => w.parts.slice(seen).filter((p) => !p.noSignal).length >= 3, 20000, 'frames after the restart');
  assert.equal(w.ended, false, 'the viewer stayed connected');
  console.log(`# picture gap of the rpicam-vid restart for a settings change: ${done.gapMs} ms`);

  const change = lines().find((l) => l.msg === 'camera settings changed')!;
  assert.equal(change.user, 'user:owner');
  assert.deepEqual(change.changed, { 'autofocus-mode': 'manual', 'lens-position': 2.5 });

  // Kept: the state file holds it, atomically written (no temporary file left).
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8')), { cameras: { default: { 'autofocus-mode': 'manual', 'lens-position': 2.5 } } });
  assert.deepEqual(fs.readdirSync(dir), ['settings.json']);
  const after = (await (await fetch(`${base}/api/camera/controls`, { headers: owner })).json()) as typeof listed;
  assert.equal(after.controls.find((c) => c.name === 'lens-position')!.value, 2.5);

  // Reset to the config file: forgotten, and rpicam-vid runs without them again.
  const del = await fetch(`${base}/api/camera/settings`, { method: 'DELETE', headers: { ...WRITE, ...owner } });
  assert.equal(del.status, 200);
  assert.doesNotMatch(s.runs('rpicam-vid').at(-1)!, /lens-position/);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8')), { cameras: {} });
});

test('a value outside what the camera reported is 400 naming the setting, the range and what was sent; nothing is applied', async (t) => {
  const s = standin(t, ['pi']);
  const { base } = await startCameraServer(t, { camera: PI, settings: { stateDir: stateDir(t), anonymousEdit: true } }, { env: s.env });
  await waitFor(() => s.runs('rpicam-vid').some((l) => l.includes('-o -')), 20000, 'rpicam-vid started');
  const cases: [unknown, RegExp][] = [
    [{ 'lens-position': 40 }, /camera setting "lens-position" takes a number from 0 to 32; got 40 \(number\)/],
    [{ awb: 'sunset' }, /camera setting "awb" takes one of "auto", "incandescent", .*"cloudy"; got "sunset" \(string\)/],
    [{ brightness: '0.5' }, /camera setting "brightness" takes a number from -1 to 1; got "0.5" \(string\)/],
    [{ zoom: 2 }, /this camera has no setting "zoom"; it has: resolution, framerate, /],
    [{ resolution: '1000x1000' }, /camera setting "resolution" takes one of "1536x864", "2304x1296", "4608x2592", "320x240"; got "1000x1000"/],
    [[1], /expected a JSON object of settings/],
  ];
  for (const [body, msg] of cases) {
    const r = await patch(`${base}/api/camera/settings`, body, {});
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.headers.get('x-camstream-error'), Array.isArray(body) ? 'CAMSTREAM_ERR_BAD_SETTING' : 'CAMSTREAM_ERR_BAD_SETTING');
    assert.match(await r.text(), msg);
  }
  const bad = await fetch(`${base}/api/camera/settings`, { method: 'PATCH', headers: WRITE, body: '{"brightness": ' });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /not valid JSON/);
  assert.equal(s.runs('rpicam-vid').filter((l) => l.includes('-o -')).length, 1, 'no restart for refused values');
});

test('who may write: 401 anonymous, 403 a user or token without admin, 200 an admin user or admin token', async (t) => {
  const s = standin(t, ['pi']);
  const { base } = await startCameraServer(t, { camera: PI, settings: { stateDir: stateDir(t) }, auth: await authSection() }, { env: s.env });
  const body = { brightness: 0.1 };
  const anon = await patch(`${base}/api/camera/settings`, body, {});
  assert.equal(anon.status, 401);
  assert.equal((await fetch(`${base}/api/camera/controls`)).status, 401);
  for (const who of [{ Authorization: basic('guest', PASSWORD) }, { Authorization: `Bearer ${VIEW_TOKEN}` }]) {
    const r = await patch(`${base}/api/camera/settings`, body, who);
    assert.equal(r.status, 403);
    assert.equal(r.headers.get('x-camstream-error'), 'CAMSTREAM_ERR_NOT_ADMIN');
    assert.match(await r.text(), /may watch but not change camera settings/);
    // They may look, and are told they cannot edit.
    const g = (await (await fetch(`${base}/api/camera/controls`, { headers: who })).json()) as { editable: boolean; readOnlyReason: string };
    assert.equal(g.editable, false);
    assert.match(g.readOnlyReason, /"admin": true/);
    await new Promise((r) => setTimeout(r, 1)); // keep the loop's requests apart in the log
  }
  for (const who of [{ Authorization: basic('owner', PASSWORD) }, { Authorization: `Bearer ${ADMIN_TOKEN}` }]) {
    const r = await patch(`${base}/api/camera/settings`, body, who);
    assert.equal(r.status, 200, await r.clone().text());
  }
});

test('cross-site writes are refused: no X-Camstream-Request header, or an Origin other than camstream\'s own', async (t) => {
  const s = standin(t, ['pi']);
  const { base } = await startCameraServer(t, { camera: PI, settings: { stateDir: stateDir(t) }, auth: await authSection() }, { env: s.env });
  const owner = { Authorization: basic('owner', PASSWORD) };
  const noHeader = await fetch(`${base}/api/camera/settings`, { method: 'PATCH', headers: { ...owner, 'Content-Type': 'application/json' }, body: '{"brightness":0.2}' });
  assert.equal(noHeader.status, 403);
  assert.equal(noHeader.headers.get('x-camstream-error'), 'CAMSTREAM_ERR_CROSS_ORIGIN');
  const other = await patch(`${base}/api/camera/settings`, { brightness: 0.2 }, { ...owner, Origin: 'http://evil.example' });
  assert.equal(other.status, 403);
  assert.match(await other.text(), /from another site \(Origin "http:\/\/evil.example"\)/);
  const del = await fetch(`${base}/api/camera/settings`, { method: 'DELETE', headers: { ...owner, Origin: 'http://127.0.0.1:1' , 'X-Camstream-Request': '1' } });
  assert.equal(del.status, 403);
  const same = await patch(`${base}/api/camera/settings`, { brightness: 0.2 }, { ...owner, Origin: base });
  assert.equal(same.status, 200);
  assert.equal(s.runs('rpicam-vid').filter((l) => l.includes('--brightness')).length, 1, 'only the same-origin write reached the camera');
});

test('access control off: settings are read-only unless settings.anonymousEdit is set', async (t) => {
  const s = standin(t, ['pi']);
  const { base } = await startCameraServer(t, { camera: PI, settings: { stateDir: stateDir(t) } }, { env: s.env });
  const g = (await (await fetch(`${base}/api/camera/controls`)).json()) as { editable: boolean; readOnlyReason: string };
  assert.equal(g.editable, false);
  assert.match(g.readOnlyReason, /settings.anonymousEdit/);
  const r = await patch(`${base}/api/camera/settings`, { brightness: 0.2 }, {});
  assert.equal(r.status, 403);
  assert.equal(r.headers.get('x-camstream-error'), 'CAMSTREAM_ERR_SETTINGS_READ_ONLY');
});

test('USB webcam: a V4L2 control is set live with v4l2-ctl -c, capture is not restarted', async (t) => {
  const s = standin(t, ['v4l2']);
  fs.copyFileSync(path.join(__dirname, '../../../test/fixtures/testsrc2-320x240.mjpeg'), path.join(s.state, 'camera.mjpeg'));
  const { log, lines } = capturingLogger();
  const { base } = await startCameraServer(t, { camera: USB, settings: { stateDir: stateDir(t), anonymousEdit: true } }, { env: s.env, log });
  const w = await watchStream(`${base}/stream`);
  t.after(() => w.close());
  await waitFor(() => w.parts.filter((p) => !p.noSignal).length >= 2, 20000, 'first frames');
  // (The stand-in camera's file is short: ffmpeg ends and is restarted every few seconds
  // anyway, so a restart for the settings is told by the supervisor's reason, not by runs.)
  const settingsRestarts = () => lines().filter((l) => l.msg === 'camera state' && /settings/.test(String(l.reason))).length;

  const g = (await (await fetch(`${base}/api/camera/controls`)).json()) as { controls: { name: string; min?: number; max?: number; value: unknown; apply: string; options?: { value: unknown; label: string }[] }[] };
  const b = g.controls.find((c) => c.name === 'brightness')!;
  assert.deepEqual([b.min, b.max, b.value, b.apply], [0, 255, 128, 'live']);
  assert.deepEqual(g.controls.find((c) => c.name === 'power_line_frequency')!.options, [{ value: 0, label: 'Disabled' }, { value: 1, label: '50 Hz' }, { value: 2, label: '60 Hz' }]);
  assert.deepEqual(g.controls.find((c) => c.name === 'resolution')!.options!.map((o) => o.value), ['1280x720', '640x480', '320x240']);
  assert.ok(!g.controls.some((c) => c.name === 'horizontal_flip'), 'flips stay camera.hflip/vflip');

  const r = await patch(`${base}/api/camera/settings`, { brightness: 200, power_line_frequency: 1 }, {});
  assert.equal(r.status, 200, await r.clone().text());
  assert.deepEqual(await r.json().then((j) => [(j as { restarted: boolean }).restarted]), [false]);
  assert.equal(s.runs('v4l2-ctl').at(-1), '-d /dev/video0 -c brightness=200,power_line_frequency=1');
  assert.equal(settingsRestarts(), 0, 'no restart');
  const now = (await (await fetch(`${base}/api/camera/controls`)).json()) as typeof g;
  assert.equal(now.controls.find((c) => c.name === 'brightness')!.value, 200, 'the camera reports the new value');
  assert.equal(w.ended, false);

  // Resolution is not a V4L2 control: capture restarts at the new size (ffmpeg is asked for it).
  const size = await patch(`${base}/api/camera/settings`, { resolution: '640x480' }, {});
  assert.equal(size.status, 200, await size.clone().text());
  assert.equal(((await size.json()) as { restarted: boolean }).restarted, true);
  assert.match(s.runs('ffmpeg').filter((l) => l.includes('-c:v copy')).at(-1)!, /-video_size 640x480 /);
  assert.equal(settingsRestarts(), 1);

  // The camera refusing a value is a clear error, and nothing is stored.
  fs.writeFileSync(path.join(s.state, 'refuse'), 'yes');
  const refused = await patch(`${base}/api/camera/settings`, { contrast: 10 }, {});
  assert.equal(refused.status, 422);
  assert.match(await refused.text(), /the camera refused contrast: VIDIOC_S_EXT_CTRLS: failed/);
});

test('several cameras: /cam/NAME/api/camera/… is that camera\'s own settings; the other camera is not touched', async (t) => {
  const s = standin(t, ['pi'], 'ok', { piCameras: 2 });
  const dir = stateDir(t);
  const { base } = await startCameraServer(t, { camera: PI, settings: { stateDir: dir, anonymousEdit: true } }, { env: s.env, cameras: { front: { source: 'libcamera', index: 0 }, side: { source: 'libcamera', index: 1 } } });
  await waitFor(() => s.runs('rpicam-vid').filter((l) => l.endsWith('-o -')).length >= 2, 20000, 'both cameras started');
  const names = async (cam: string) => ((await (await fetch(`${base}/cam/${cam}/api/camera/controls`)).json()) as { controls: { name: string }[] }).controls.map((c) => c.name);
  assert.ok((await names('front')).includes('lens-position'), 'camera 0 is a Camera Module 3');
  assert.ok(!(await names('side')).includes('lens-position'), 'camera 1 (imx219) has no lens');
  const noLens = await patch(`${base}/cam/side/api/camera/settings`, { 'lens-position': 1 }, {});
  assert.equal(noLens.status, 400);
  assert.match(await noLens.text(), /this camera has no setting "lens-position"/);
  const before = s.runs('rpicam-vid').filter((l) => l.endsWith('-o -')).length;
  const r = await patch(`${base}/cam/side/api/camera/settings`, { saturation: 0.5 }, {});
  assert.equal(r.status, 200, await r.clone().text());
  const runs = s.runs('rpicam-vid').filter((l) => l.endsWith('-o -'));
  assert.equal(runs.length, before + 1, 'one camera restarted');
  assert.match(runs.at(-1)!, /--camera 1 --saturation 0\.5 -o -$/);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8')), { cameras: { side: { saturation: 0.5 } } });
  assert.equal((await fetch(`${base}/cam/nope/api/camera/controls`)).status, 404);
});

test('a state folder that cannot be written is a clear 500 naming it; the server carries on', async (t) => {
  const s = standin(t, ['pi']);
  const file = path.join(stateDir(t), 'a-file');
  fs.writeFileSync(file, '');
  const { base } = await startCameraServer(t, { camera: PI, settings: { stateDir: path.join(file, 'state'), anonymousEdit: true } }, { env: s.env });
  const r = await patch(`${base}/api/camera/settings`, { ev: 1 }, {});
  assert.equal(r.status, 500);
  assert.match(await r.text(), /could not keep the settings in .*a-file\/state\/settings\.json: ENOTDIR.*is settings\.stateDir writable by the service\?/);
  assert.equal((await fetch(`${base}/api/camera/controls`)).status, 200);
});
