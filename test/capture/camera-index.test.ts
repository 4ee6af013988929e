// camera.index (issue 11 item 4): which Pi camera rpicam-vid opens (--camera N). The
// stand-in rpicam-vid paints each camera's picture with its own corner colour, so a
// decoded snapshot tells which camera it came from.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { libcameraArgs } from '../../src/capture/libcamera';
import { loadConfig } from '../../src/config/load';
import { ConfigError } from '../../src/errors';
import { getJson, waitFor, writeConfig } from '../helpers/camstream';
import { startCameraServer } from '../helpers/camera-server';
import { CLI } from '../helpers/serve-child';
import { standin, standinCameraOf } from '../helpers/standin';

const exec = promisify(execFile);

async function snapshot(base: string): Promise<Buffer> {
  return waitFor(async () => {
    const res = await fetch(`${base}/snapshot`);
    const body = Buffer.from(await res.arrayBuffer());
    // ffmpeg (behind the stand-in) marks its JPEGs with a "Lavc" comment; a NO SIGNAL picture (camera still starting) has none.
    return res.status === 200 && body.includes('Lavc') ? body : null;
  }, 60000, 'a snapshot from the camera');
}

test('--camera N is given for camera.index N, and not for camera 0 (rpicam-vid\'s default, so one-camera command lines stay as they were)', () => {
  const cam = { width: 320, height: 240, fps: 10, quality: 80, rotation: 0, hflip: false, vflip: false } as const;
  assert.deepEqual(libcameraArgs({ ...cam, index: 0 }), libcameraArgs(cam));
  assert.deepEqual(libcameraArgs({ ...cam, index: 1, hflip: true }).slice(-5), ['--hflip', '--camera', '1', '-o', '-']);
});

test('source libcamera with camera.index 1 streams Pi camera 1\'s picture, index 0 camera 0\'s', async (t) => {
  const s = standin(t, ['pi'], 'ok', { piCameras: 2 });
  const env = s.env;
  const seen: number[] = [];
  for (const index of [1, 0]) {
    // stallTimeoutMs: a first frame that is slow on a busy machine is not a stall (a restart would only add runs).
    const { base } = await startCameraServer(t, { camera: { source: 'libcamera', index, width: 320, height: 240, fps: 10, stallTimeoutMs: 30000 } }, { env });
    seen.push(standinCameraOf(await snapshot(base)));
    const st = await getJson(`${base}/api/status`);
    assert.match(st.source.description, index ? /^libcamera rpicam-vid camera 1 320x240@10/ : /^libcamera rpicam-vid 320x240@10/);
  }
  assert.deepEqual(seen, [1, 0]);
  assert.deepEqual([...new Set(s.runs('rpicam-vid'))], [
    '-t 0 -n --codec mjpeg --width 320 --height 240 --framerate 10 -q 75 --flush --camera 1 -o -',
    '-t 0 -n --codec mjpeg --width 320 --height 240 --framerate 10 -q 75 --flush -o -',
  ]);
});

test('a camera number past what rpicam-vid lists: rpicam-vid\'s own error reaches /api/status', async (t) => {
  const s = standin(t, ['pi'], 'ok', { piCameras: 2 });
  const { base } = await startCameraServer(t, { camera: { source: 'libcamera', index: 2, width: 320, height: 240, fps: 10 } }, { env: s.env });
  await waitFor(async () => /rpicam-vid exited with code 255: ERROR: \*\*\* selected camera is not available \*\*\*/.test((await getJson(`${base}/api/status`)).source.reason ?? ''), 20000, 'the error in /api/status');
});

test('camera.index with a source other than libcamera is a config error naming the key (check-config exits 78)', async () => {
  for (const source of ['auto', 'opencv']) {
    let problems: string[] = [];
    try {
      loadConfig({ path: writeConfig({ camera: { source, index: 1 } }), env: {} });
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      problems = err.problems;
    }
    assert.deepEqual(problems, [`camera.index: expected 0 (the Pi camera number is only used with camera.source "libcamera"), got 1 with camera.source "${source}"`]);
  }
  assert.equal(loadConfig({ path: writeConfig({ camera: { source: 'libcamera', index: 1 } }), env: {} }).config.camera.index, 1);
  assert.equal(loadConfig({ path: writeConfig({ camera: { source: 'libcamera' } }), env: { CAMSTREAM_CAMERA_INDEX: '3' } }).config.camera.index, 3);
  const bad = await exec(process.execPath, [CLI, 'check-config', writeConfig({ camera: { source: 'opencv', index: 1 } })], { timeout: 20000 }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(bad.code, 78);
  assert.match(bad.stderr, /camera\.index: expected 0 .* got 1 with camera\.source "opencv"/);
});
