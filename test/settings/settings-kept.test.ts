// Settings survive a restart of camstream (the state file, layered over the config
// file), and a state file that is corrupt or stale never stops camstream starting.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { startCamstream } from '../../src/main';
import { capturingLogger, waitFor, writeConfig } from '../helpers/camstream';
import { MJPEG_CAPTURE } from '../helpers/fixture-files';
import { standin, type Standin } from '../helpers/standin';

const PI = { source: 'libcamera', width: 320, height: 240, fps: 10, quality: 60 };
const WRITE = { 'Content-Type': 'application/json', 'X-Camstream-Request': '1' };

function stateDir(t: TestContext): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-state-'));
  t.after(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Start camstream; stop() ends it (also at the test's end). */
async function start(t: TestContext, s: Standin, overrides: Record<string, Record<string, unknown>>) {
  const { log, lines } = capturingLogger();
  const app = await startCamstream(loadConfig({ path: writeConfig(overrides), env: {} }), { log, env: s.env });
  t.after(() => app.stop());
  return { app, base: `http://127.0.0.1:${app.port}`, lines };
}

const cameraRuns = (s: Standin) => s.runs('rpicam-vid').filter((l) => l.endsWith('-o -'));

test('a setting changed from the page is there again after camstream restarts', async (t) => {
  const s = standin(t, ['pi']);
  const dir = stateDir(t);
  const cfg = { camera: PI, settings: { stateDir: dir, anonymousEdit: true } };
  const first = await start(t, s, cfg);
  const r = await fetch(`${first.base}/api/camera/settings`, { method: 'PATCH', headers: WRITE, body: JSON.stringify({ 'lens-position': 3, awb: 'daylight', resolution: '1536x864' }) });
  assert.equal(r.status, 200, await r.clone().text());
  await first.app.stop();

  const runsBefore = cameraRuns(s).length;
  const second = await start(t, s, cfg);
  await waitFor(() => cameraRuns(s).length > runsBefore, 20000, 'rpicam-vid started again');
  const run = cameraRuns(s)[runsBefore];
  // The first run after the restart already has them: no restart of the camera to apply them.
  assert.match(run, /--width 1536 --height 864 /);
  assert.match(run, /--autofocus-mode manual --lens-position 3 --awb daylight -o -$/);
  assert.ok(second.lines().some((l) => l.msg === 'camera settings restored from the state file'));
  // The page sees what runs; the config file is untouched.
  const listed = (await (await fetch(`${second.base}/api/camera/controls`)).json()) as { controls: { name: string; value: unknown; default: unknown }[] };
  const res = listed.controls.find((c) => c.name === 'resolution')!;
  assert.deepEqual([res.value, res.default], ['1536x864', '320x240']);
  const status = (await (await fetch(`${second.base}/api/status`)).json()) as { source: { description: string } };
  assert.match(JSON.stringify(status), /1536x864/);
});

test('a corrupt state file is ignored with a log line: camstream starts with the config file values', async (t) => {
  const s = standin(t, ['pi']);
  const dir = stateDir(t);
  fs.writeFileSync(path.join(dir, 'settings.json'), '{"cameras": {"default": {"lens-position": 3');
  const { lines } = await start(t, s, { camera: PI, settings: { stateDir: dir } });
  await waitFor(() => cameraRuns(s).length > 0, 20000, 'rpicam-vid started');
  assert.doesNotMatch(cameraRuns(s)[0], /lens-position/);
  const why = lines().find((l) => l.msg === 'settings state file ignored: starting with the config file values')!;
  assert.ok(why, 'logged');
  assert.match(String(why.reason), /settings\.json is not valid JSON/);
});

test('a stale state file (settings the camera now lacks, or out of its range) is ignored with a log line', async (t) => {
  // Camera 1 of the stand-in is an imx219: no lens, no autofocus.
  const s = standin(t, ['pi'], 'ok', { piCameras: 2 });
  const dir = stateDir(t);
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ cameras: { default: { 'lens-position': 3, brightness: 5, contrast: 1.5, focus_absolute: 10 } } }));
  const { lines } = await start(t, s, { camera: { ...PI, index: 1 }, settings: { stateDir: dir } });
  await waitFor(() => cameraRuns(s).length > 0, 20000, 'rpicam-vid started');
  const run = cameraRuns(s)[0];
  assert.doesNotMatch(run, /lens-position|brightness|focus/);
  assert.match(run, /--contrast 1.5 -o -$/, 'the value that still fits is kept');
  const dropped = lines().find((l) => String(l.msg).startsWith('stored camera settings ignored: they do not fit this camera'))!;
  assert.deepEqual(dropped.dropped, [
    'this camera has no setting "lens-position"',
    'camera setting "brightness" takes a number from -1 to 1; got 5 (number)',
    'this camera has no setting "focus_absolute"',
  ]);
});

test('a USB webcam gets its stored controls back through v4l2-ctl before capture starts', async (t) => {
  const s = standin(t, ['v4l2']);
  fs.copyFileSync(MJPEG_CAPTURE, path.join(s.state, 'camera.mjpeg'));
  const dir = stateDir(t);
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ cameras: { default: { brightness: 90, focus_automatic_continuous: false } } }));
  await start(t, s, { camera: { source: 'opencv', device: '/dev/video0', fourcc: 'MJPG', width: 320, height: 240, fps: 10 }, settings: { stateDir: dir } });
  await waitFor(() => s.runs('ffmpeg').some((l) => l.includes('-c:v copy')), 20000, 'capture started');
  const ctl = s.runs('v4l2-ctl');
  const set = ctl.indexOf('-d /dev/video0 -c brightness=90,focus_automatic_continuous=0');
  assert.ok(set >= 0, `stored controls set: ${ctl.join(' | ')}`);
});
