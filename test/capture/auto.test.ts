// source=auto: what it picks on a machine with a Pi camera (stand-in rpicam-vid that
// lists one), with the camera stack but no camera, and with nothing at all — and that
// the choice and the reason reach the log and /api/status; and that a camera appearing
// after start-up is switched to without dropping the viewer.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { AutoSource, chooseCamera, parseCameraList } from '../../src/capture/auto';
import { loadConfig } from '../../src/config/load';
import { silentLogger } from '../../src/log';
import { getJson, capturingLogger, startServer, waitFor, writeConfig } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { standin, SYSTEM_PATH } from '../helpers/standin';
import { ffmpegSplit } from '../helpers/ffmpeg';
import { fixture, MJPEG_CAPTURE } from '../helpers/fixture-files';
import { watchStream } from '../helpers/stream-watcher';

function emptyDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-nodev-'));
}

test('parses rpicam-vid --list-cameras', () => {
  const out = 'Available cameras\n-----------------\n0 : imx708 [4608x2592 10-bit RGGB] (/base/soc/i2c0mux/i2c@1/imx708@1a)\n    Modes: \'SRGGB10_CSI2P\' : 1536x864 [120.13 fps - (768, 432)/3072x1728 crop]\n1 : ov5647 [2592x1944] (/base/…)\n';
  assert.deepEqual(parseCameraList(out), ['imx708', 'ov5647']);
  assert.deepEqual(parseCameraList('No cameras available!\n'), []);
});

test('a Pi camera listed by rpicam-vid wins', async (t) => {
  const s = standin(t, ['pi']);
  const c = await chooseCamera({ env: s.env, devDir: emptyDir() });
  assert.deepEqual(c, { kind: 'libcamera', reason: 'rpicam-vid --list-cameras found imx708' });
  assert.deepEqual(s.runs('rpicam-vid'), ['--list-cameras']);
});

test('camera stack without a camera and no /dev/video*: the test pattern, saying why', async (t) => {
  const s = standin(t, ['pi'], 'no-camera');
  const c = await chooseCamera({ env: s.env, devDir: emptyDir() });
  assert.equal(c.kind, 'testpattern');
  assert.match(c.reason, /^rpicam-vid found no camera; no \/tmp\/camstream-nodev-\w+\/video\* device: showing the test pattern$/);
});

test('video nodes that are not cameras or give no frame are skipped', async () => {
  const dev = emptyDir();
  const sys = emptyDir();
  // A Pi codec node (named in sysfs) and a "device" that is a plain file OpenCV cannot capture from.
  fs.writeFileSync(path.join(dev, 'video10'), '');
  fs.mkdirSync(path.join(sys, 'video10'));
  fs.writeFileSync(path.join(sys, 'video10', 'name'), 'bcm2835-codec-decode\n');
  fs.writeFileSync(path.join(dev, 'video2'), '');
  const c = await chooseCamera({ env: { PATH: SYSTEM_PATH }, devDir: dev, sysDir: sys });
  assert.equal(c.kind, 'testpattern');
  assert.match(c.reason, /rpicam-vid\/libcamera-vid not installed; .*video2 gives no frame; .*video10 is bcm2835-codec-decode, not a camera: showing the test pattern$/);
});

test('the default config (source auto) on a machine with no camera serves the test pattern, and says so', async (t) => {
  const { log, lines } = capturingLogger();
  const { app, base } = await startCameraServer(t, {}, { env: { PATH: SYSTEM_PATH }, devDir: emptyDir(), log });
  assert.equal(app.config.camera.source, 'auto');
  const w = await watchStream(`${base}/stream`);
  t.after(() => w.close());
  await waitFor(() => w.parts.filter((p) => !p.noSignal).length >= 3, 10000, '3 frames');
  const st = await getJson(`${base}/api/status`);
  assert.equal(st.source.kind, 'auto');
  assert.equal(st.source.state, 'live');
  assert.match(st.source.selected, /^testpattern: rpicam-vid\/libcamera-vid not installed; no .*video\* device: showing the test pattern$/);
  assert.match(st.source.description, /^auto → testpattern 640x480@15/);
  assert.ok(lines().some((l) => l.msg === 'camera.source auto: chosen' && l.selected === 'testpattern'));
});

test('auto with a Pi camera streams from rpicam-vid', async (t) => {
  const s = standin(t, ['pi']);
  const { base } = await startCameraServer(t, { camera: { width: 320, height: 240, fps: 10 } }, { env: s.env, devDir: emptyDir() });
  const w = await watchStream(`${base}/stream`);
  t.after(() => w.close());
  await waitFor(() => w.parts.filter((p) => !p.noSignal).length >= 3, 10000, '3 frames');
  const st = await getJson(`${base}/api/status`);
  assert.equal(st.source.selected, 'libcamera: rpicam-vid --list-cameras found imx708');
  assert.match(st.source.description, /^auto → libcamera rpicam-vid 320x240@10/);
  assert.deepEqual(s.runs('rpicam-vid'), ['--list-cameras', '-t 0 -n --codec mjpeg --width 320 --height 240 --framerate 10 -q 75 --flush -o -']);
});

test('auto with a Pi camera and rotation 90 or 270: turned as with source libcamera named, not left upright', async (t) => {
  for (const rotation of [90, 270]) {
    const s = standin(t, ['pi']);
    // stallTimeoutMs: the first turned frame waits for OpenCV to load, slow on a busy machine.
    const { base } = await startCameraServer(t, { camera: { width: 320, height: 240, fps: 10, rotation, stallTimeoutMs: 30000 } }, { env: s.env, devDir: emptyDir() });
    const w = await watchStream(`${base}/stream`);
    t.after(() => w.close());
    await waitFor(() => w.parts.filter((p) => !p.noSignal).length >= 3, 15000, '3 frames');
    const st = await getJson(`${base}/api/status`);
    assert.match(st.source.description, new RegExp(`^auto → libcamera rpicam-vid 320x240@10 q75 \\(turned ${rotation}° by camstream: decode \\+ re-encode\\)$`));
    assert.deepEqual(st.resolution, { width: 240, height: 320 }, 'the picture stands on its side');
    assert.deepEqual(s.runs('rpicam-vid'), ['--list-cameras', '-t 0 -n --codec mjpeg --width 320 --height 240 --framerate 10 -q 75 --flush -o -'], JSON.stringify(st.source));
  }
});

test('auto on the test pattern switches to rpicam-vid put on PATH after start; the viewer gets its frames on the same connection', async (t) => {
  const s = standin(t, ['pi']);
  // PATH holds an empty folder at start; the stand-in rpicam-vid is put there later.
  const bin = emptyDir();
  const env = { PATH: [bin, SYSTEM_PATH].join(path.delimiter), STANDIN_STATE: s.state };
  const { base } = await startCameraServer(t, { camera: { width: 320, height: 240, fps: 10 } }, { env, devDir: emptyDir() });
  const w = await watchStream(`${base}/stream`);
  t.after(() => w.close());
  // ffmpeg (behind the stand-in) marks its JPEGs with a "Lavc" comment; OpenCV's test pattern does not.
  const fromCamera = (p: { body: Buffer }) => p.body.includes('Lavc');
  await waitFor(() => w.parts.filter((p) => !p.noSignal).length >= 3, 10000, '3 test pattern frames');
  assert.equal(w.parts.some(fromCamera), false);
  assert.match((await getJson(`${base}/api/status`)).source.selected, /^testpattern: /);

  fs.symlinkSync(fixture(path.join('standin', 'pi', 'rpicam-vid')), path.join(bin, 'rpicam-vid'));
  await waitFor(() => w.parts.filter(fromCamera).length >= 5, 40000, "5 frames from the late camera on the viewer's connection");
  assert.equal(w.ended, false, 'the viewer stayed connected');
  const st = await getJson(`${base}/api/status`);
  assert.equal(st.source.state, 'live');
  assert.equal(st.source.selected, 'libcamera: rpicam-vid --list-cameras found imx708');
  assert.match(st.source.description, /^auto → libcamera rpicam-vid 320x240@10/);
  assert.equal(st.viewers.length, 1);
  assert.deepEqual(s.runs('rpicam-vid'), ['--list-cameras', '-t 0 -n --codec mjpeg --width 320 --height 240 --framerate 10 -q 75 --flush -o -']);
});

test('auto: a USB camera unplugged and plugged back under another /dev/videoN is found again, the viewer seeing NO SIGNAL in between, never the test pattern', async (t) => {
  const s = standin(t, ['v4l2']);
  // The stand-in ffmpeg plays this capture once per run: the "camera" ends every ~1 s and is restarted.
  fs.copyFileSync(MJPEG_CAPTURE, path.join(s.state, 'camera.mjpeg'));
  const reference = ffmpegSplit(MJPEG_CAPTURE);
  const dev = emptyDir();
  fs.writeFileSync(path.join(dev, 'video0'), '');
  const camera = { width: 320, height: 240, fps: 20, restartDelayMs: 200, restartDelayMaxMs: 1000 };
  const cam = loadConfig({ path: writeConfig({ camera }), env: {} }).config.camera;
  // No V4L2 device here: only OpenCV's "does it deliver a frame" probe is faked (a node
  // that exists in the test's device folder does); the capture is the stand-in ffmpeg.
  const source = new AutoSource(cam, silentLogger(), { env: s.env, devDir: dev, probe: async (d) => fs.existsSync(d) });
  const { base } = await startServer(t, { camera }, { source });
  const w = await watchStream(`${base}/stream`);
  t.after(() => w.close());
  const fromCamera = (p: { body: Buffer }) => reference.some((r) => r.equals(p.body));
  await waitFor(() => w.parts.filter(fromCamera).length >= 5, 20000, '5 frames from video0');
  assert.match((await getJson(`${base}/api/status`)).source.selected, /^opencv .*\/video0: /);

  // Unplugged: the node goes; the camera process ends (here: its capture runs out).
  fs.rmSync(path.join(dev, 'video0'));
  await waitFor(async () => /video0 is gone \(unplugged\?\); waiting for a camera/.test((await getJson(`${base}/api/status`)).source.reason ?? ''), 20000, 'the camera reported gone');
  const unplugged = w.parts.length;
  await waitFor(() => w.parts.slice(unplugged).some((p) => p.noSignal), 10000, 'NO SIGNAL while unplugged');

  // Plugged back in, enumerated as video1.
  fs.writeFileSync(path.join(dev, 'video1'), '');
  const replugged = w.parts.length;
  await waitFor(() => w.parts.slice(replugged).filter(fromCamera).length >= 5, 20000, '5 frames from video1 on the same connection');
  const st = await getJson(`${base}/api/status`);
  assert.match(st.source.selected, /^opencv .*\/video1: /);
  assert.equal(st.viewers.length, 1);
  assert.equal(w.ended, false, 'the viewer stayed connected');
  assert.ok(s.runs('ffmpeg').some((a) => a.includes(`-i ${path.join(dev, 'video1')} -c:v copy`)), 'ffmpeg captured from video1');
  assert.deepEqual(w.parts.filter((p) => !p.noSignal && !fromCamera(p)).map((p) => p.body.length), [], 'no test pattern (or any other) frame');
});
