// USB webcam MJPEG passthrough. There is no /dev/video* here, so the stand-in ffmpeg
// replaces only the camera: the JPEGs the "camera" produces are the frames of a real
// MJPEG capture, and the real ffmpeg copies them (-c:v copy) to camstream. The frames a
// viewer receives must be those bytes exactly: nothing decoded, nothing re-encoded.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { UsbCameraSource } from '../../src/capture/usb-camera';
import { probeV4l2Formats, v4l2MjpegArgs } from '../../src/capture/v4l2-mjpeg';
import type { Config } from '../../src/config/schema';
import { CamstreamError } from '../../src/errors';
import { silentLogger } from '../../src/log';
import { waitFor } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { ffmpegSplit } from '../helpers/ffmpeg';
import { MJPEG_CAPTURE } from '../helpers/fixture-files';
import { standin } from '../helpers/standin';
import { watchStream } from '../helpers/stream-watcher';

const reference = ffmpegSplit(MJPEG_CAPTURE);
const camera = { source: 'opencv', device: '/dev/video0', fourcc: 'MJPG', width: 320, height: 240, fps: 20, passthrough: true };

test('ffmpeg arguments read MJPEG from V4L2 and copy it', () => {
  assert.deepEqual(v4l2MjpegArgs({ device: '2', width: 1280, height: 720, fps: 30 }), [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'v4l2', '-input_format', 'mjpeg', '-video_size', '1280x720', '-framerate', '30', '-i', '/dev/video2', '-c:v', 'copy', '-f', 'mjpeg', '-',
  ]);
});

test('the frames served are the camera\'s own JPEGs, byte for byte', async (t) => {
  const s = standin(t, ['v4l2']);
  fs.copyFileSync(MJPEG_CAPTURE, path.join(s.state, 'camera.mjpeg'));
  const { app, base } = await startCameraServer(t, { camera }, { env: s.env });
  const w = await watchStream(`${base}/stream`);
  t.after(() => w.close());
  await waitFor(() => w.parts.filter((p) => !p.noSignal).length >= 30, 20000, '30 frames');
  w.close();
  const live = w.parts.filter((p) => !p.noSignal);
  // Every frame is one of the camera's, unchanged, in the camera's order (the
  // capture loops when the stand-in camera's file ends and ffmpeg is restarted).
  let prev = -1;
  let wraps = 0;
  for (const p of live) {
    const i = reference.findIndex((r) => r.equals(p.body));
    assert.ok(i >= 0, `served frame of ${p.body.length} bytes is not one the camera produced`);
    if (i <= prev) wraps++;
    prev = i;
  }
  assert.ok(wraps <= 2, `frames out of order ${wraps} times`);
  assert.match(app.supervisor.status.description, /MJPEG 320x240@20 \(camera JPEG passthrough via ffmpeg\)/);
  const args = s.runs('ffmpeg');
  assert.match(args[0], /-list_formats all -i \/dev\/video0/);
  assert.equal(args[1], '-hide_banner -loglevel error -nostdin -f v4l2 -input_format mjpeg -video_size 320x240 -framerate 20 -i /dev/video0 -c:v copy -f mjpeg -');
});

test('format probe reads ffmpeg -list_formats output', async (t) => {
  const s = standin(t, ['v4l2']);
  assert.deepEqual(await probeV4l2Formats('/dev/video0', s.env), { compressed: ['mjpeg'], raw: ['yuyv422'] });
  fs.writeFileSync(path.join(s.state, 'formats'), 'raw-only');
  assert.deepEqual(await probeV4l2Formats('/dev/video0', s.env), { compressed: [], raw: ['yuyv422'] });
  assert.equal(await probeV4l2Formats('/dev/video0', { PATH: '/nonexistent' }), null);
});

test('no passthrough when the camera offers only raw formats, rotation is asked for, it is turned off, or ffmpeg is missing: OpenCV encodes', async (t) => {
  const s = standin(t, ['v4l2']);
  const cam = (over: Partial<Config['camera']> = {}) => ({ ...camera, rotation: 0, hflip: false, vflip: false, quality: 75, ...over }) as unknown as Config['camera'];
  const sink = { frame() {}, fail() {} };
  const cases: [Partial<Config['camera']>, NodeJS.ProcessEnv, RegExp][] = [
    [{ rotation: 90 }, s.env, /rotation 90 needs a re-encode/],
    [{ passthrough: false }, s.env, /camera.passthrough is false/],
    [{ fourcc: 'YUYV' }, s.env, /camera.fourcc is YUYV, not MJPG/],
    [{}, { PATH: '/nonexistent' }, /ffmpeg is not installed/],
  ];
  for (const [over, env, why] of cases) {
    const src = new UsbCameraSource(cam(over), silentLogger(), env);
    // OpenCV then finds no /dev/video0 here: that error is expected; the choice is what we check.
    await assert.rejects(src.start(sink), (e: CamstreamError) => e.code === 'CAMSTREAM_ERR_NO_DEVICE');
    assert.match(src.mode, why);
    assert.match(src.mode, /^OpenCV decode \+ encode/);
  }
  fs.writeFileSync(path.join(s.state, 'formats'), 'raw-only');
  const raw = new UsbCameraSource(cam(), silentLogger(), s.env);
  await assert.rejects(raw.start(sink));
  assert.match(raw.mode, /the camera offers no MJPEG \(it offers yuyv422\)/);
});

test('flips by the camera\'s V4L2 controls keep passthrough; a camera without them gets OpenCV', async (t) => {
  const s = standin(t, ['v4l2']);
  fs.copyFileSync(MJPEG_CAPTURE, path.join(s.state, 'camera.mjpeg'));
  const cam = (over: Partial<Config['camera']>) => ({ ...camera, rotation: 0, hflip: false, vflip: false, quality: 75, ...over }) as unknown as Config['camera'];
  const setFlips = () => s.runs('v4l2-ctl').filter((l) => l.includes(' -c '));

  const frames: Buffer[] = [];
  const src = new UsbCameraSource(cam({ hflip: true }), silentLogger(), s.env);
  await src.start({ frame: (j) => void frames.push(j), fail() {} });
  t.after(() => src.stop());
  await waitFor(() => frames.length >= 3, 10000, '3 frames');
  await src.stop();
  assert.equal(src.mode, 'passthrough: the camera offers MJPEG; flipped by the camera (V4L2 controls)');
  assert.ok(frames.every((f) => reference.some((r) => r.equals(f))), 'still the camera\'s own bytes');
  assert.deepEqual(setFlips(), ['-d /dev/video0 -c horizontal_flip=1,vertical_flip=0']);

  // rotation 180 + hflip = vflip alone; and with nothing asked the flips are reset to off.
  for (const [over, expected] of [
    [{ rotation: 180, hflip: true }, '-d /dev/video0 -c horizontal_flip=0,vertical_flip=1'],
    [{}, '-d /dev/video0 -c horizontal_flip=0,vertical_flip=0'],
  ] as const) {
    const u = new UsbCameraSource(cam(over as Partial<Config['camera']>), silentLogger(), s.env);
    await u.start({ frame() {}, fail() {} });
    await u.stop();
    assert.equal(setFlips().at(-1), expected);
    assert.match(u.mode, /^passthrough/);
  }

  fs.writeFileSync(path.join(s.state, 'controls'), 'no-flip');
  const noCtl = new UsbCameraSource(cam({ vflip: true }), silentLogger(), s.env);
  await assert.rejects(noCtl.start({ frame() {}, fail() {} })); // OpenCV: no /dev/video0 here
  assert.match(noCtl.mode, /^OpenCV decode \+ encode: the camera cannot flip/);
});
