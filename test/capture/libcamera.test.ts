import assert from 'node:assert/strict';
import { test } from 'node:test';
import { libcameraArgs, LibcameraSource } from '../../src/capture/libcamera';
import type { FrameSink } from '../../src/capture/source';
import type { Config } from '../../src/config/schema';
import { CamstreamError } from '../../src/errors';
import { jpegSize } from '../../src/hub/frame';
import { silentLogger } from '../../src/log';
import { capturingLogger, waitFor } from '../helpers/camstream';
import { alive, standin, SYSTEM_PATH } from '../helpers/standin';

const CAM = { width: 320, height: 240, fps: 10, quality: 80, rotation: 0, hflip: false, vflip: false } as const;
const cam = (over: Partial<Config['camera']> = {}) => ({ ...CAM, ...over }) as Config['camera'];

function collect(): FrameSink & { frames: Buffer[]; errors: Error[] } {
  const s = {
    frames: [] as Buffer[],
    errors: [] as Error[],
    frame: (j: Buffer) => void s.frames.push(j),
    fail: (e: Error) => void s.errors.push(e),
  };
  return s;
}

test('rpicam-vid arguments: the issue\'s MJPEG command line, plus rotation and flips from config', () => {
  assert.deepEqual(libcameraArgs(cam()), ['-t', '0', '-n', '--codec', 'mjpeg', '--width', '320', '--height', '240', '--framerate', '10', '-q', '80', '--flush', '-o', '-']);
  assert.deepEqual(libcameraArgs(cam({ rotation: 180, hflip: true, vflip: true })).slice(14), ['--rotation', '180', '--hflip', '--vflip', '-o', '-']);
  // 90/270: the camera cannot; it captures upright and camstream turns the JPEGs.
  assert.deepEqual(libcameraArgs(cam({ rotation: 90 })), libcameraArgs(cam()));
  assert.deepEqual(libcameraArgs(cam({ rotation: 270, vflip: true })), libcameraArgs(cam({ vflip: true })));
});

test('streams real JPEGs from the (stand-in) rpicam-vid, with the arguments checked by the stand-in', async (t) => {
  const s = standin(t, ['pi']);
  const src = new LibcameraSource(cam({ hflip: true }), silentLogger(), s.env);
  const sink = collect();
  await src.start(sink);
  t.after(() => src.stop());
  await waitFor(() => sink.frames.length >= 5, 10000, '5 frames');
  for (const f of sink.frames) assert.deepEqual(jpegSize(f), { width: 320, height: 240 });
  assert.deepEqual(sink.errors, []);
  assert.deepEqual(s.runs('rpicam-vid'), ['-t 0 -n --codec mjpeg --width 320 --height 240 --framerate 10 -q 80 --flush --hflip -o -']);
  assert.match(src.describe(), /rpicam-vid 320x240@10/);
});

test('falls back to libcamera-vid (the Bullseye name) when rpicam-vid is not installed', async (t) => {
  const s = standin(t, ['pi-legacy-name']);
  const src = new LibcameraSource(cam(), silentLogger(), s.env);
  const sink = collect();
  await src.start(sink);
  t.after(() => src.stop());
  await waitFor(() => sink.frames.length >= 2, 10000, '2 frames');
  assert.equal(s.runs('libcamera-vid').length, 1);
  assert.match(src.describe(), /libcamera-vid/);
});

test('neither program installed: a NO_DEVICE error that says what to install', async () => {
  const src = new LibcameraSource(cam(), silentLogger(), { PATH: SYSTEM_PATH });
  await assert.rejects(src.start(collect()), (e: CamstreamError) => e.code === 'CAMSTREAM_ERR_NO_DEVICE' && /rpicam-vid or libcamera-vid not found on PATH: install rpicam-apps/.test(e.message));
});

test('a camera process that exits reports why, with its stderr, through the sink', async (t) => {
  const s = standin(t, ['pi'], 'error');
  const src = new LibcameraSource(cam(), silentLogger(), s.env);
  const sink = collect();
  await src.start(sink);
  t.after(() => src.stop());
  await waitFor(() => sink.errors.length > 0, 10000, 'a failure');
  assert.match(sink.errors[0].message, /rpicam-vid exited with code 255: ERROR: \*\*\* no cameras available \*\*\*/);
  assert.equal((sink.errors[0] as CamstreamError).code, 'CAMSTREAM_ERR_SOURCE');
});

test('stop() ends the camera process (even one that is stuck) and reports no failure', async (t) => {
  const s = standin(t, ['pi'], 'never');
  const src = new LibcameraSource(cam(), silentLogger(), s.env);
  const sink = collect();
  await src.start(sink);
  await waitFor(() => s.runs('rpicam-vid').length === 1, 5000, 'the stand-in to run');
  const pid = (src as unknown as { child: { pid?: number } }).child.pid;
  assert.ok(alive(pid));
  await src.stop();
  assert.equal(alive(pid), false);
  await src.stop(); // idempotent
  assert.deepEqual(sink.errors, []);
});

test('rotation 90/270, which rpicam-vid cannot do: camstream turns the camera\'s JPEGs (no restart loop, no error)', async (t) => {
  for (const rotation of [90, 270] as const) {
    const s = standin(t, ['pi']);
    const src = new LibcameraSource(cam({ rotation, hflip: true }), silentLogger(), s.env);
    const sink = collect();
    await src.start(sink);
    t.after(() => src.stop());
    await waitFor(() => sink.frames.length >= 3, 15000, `3 frames turned by ${rotation}`);
    for (const f of sink.frames) assert.deepEqual(jpegSize(f), { width: 240, height: 320 }, 'the picture stands on its side');
    assert.deepEqual(sink.errors, []);
    assert.deepEqual(s.runs('rpicam-vid'), ['-t 0 -n --codec mjpeg --width 320 --height 240 --framerate 10 -q 80 --flush --hflip -o -'], 'flips in the camera, no --rotation');
    assert.match(src.describe(), new RegExp(`turned ${rotation}° by camstream: decode \\+ re-encode`));
    await src.stop();
  }
});

test('stderr lines go to the log (errors at warn) while frames keep flowing', async (t) => {
  const s = standin(t, ['pi'], 'noisy');
  const { log, lines } = capturingLogger('info');
  const src = new LibcameraSource(cam(), log, s.env);
  const sink = collect();
  await src.start(sink);
  t.after(() => src.stop());
  await waitFor(() => lines().filter((l) => l.msg === 'camera process says').length >= 3, 10000, 'three stderr lines logged');
  await waitFor(() => sink.frames.length >= 5, 10000, '5 frames');
  const said = lines().filter((l) => l.msg === 'camera process says');
  assert.deepEqual(said.map((l) => [l.level, l.stderr]), [1, 2, 3].map((i) => [40, `ERROR: stand-in complaint ${i}`]));
  assert.deepEqual(sink.errors, []);
});
