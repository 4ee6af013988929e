// Issue 14: the passthrough cameras (libcamera, USB MJPEG, http relay, files) never
// load OpenCV — its ~100 MB of shared libraries are what a 512 MB Pi cannot spare —
// not even when the camera fails and NO SIGNAL frames are drawn. Each test runs a
// real `camstream serve` child, makes its camera fail, waits until a viewer has
// received NO SIGNAL frames (and live ones), and then reads the child's
// /proc/PID/maps. The test pattern, which draws with OpenCV, shows the check sees it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { jpegSize } from '../../src/hub/frame';
import { waitFor, writeConfig, type Overrides } from '../helpers/camstream';
import { ffmpegSplit } from '../helpers/ffmpeg';
import { MJPEG_CAPTURE } from '../helpers/fixture-files';
import { spawnServe, type ServeChild } from '../helpers/serve-child';
import { standin, SYSTEM_PATH } from '../helpers/standin';
import { watchStream, type StreamWatcher } from '../helpers/stream-watcher';

/** Restart fast; every failure here is an exit or a refused start, so the stall timeout only needs to be generous. */
const supervision = { width: 320, height: 240, fps: 10, stallTimeoutMs: 10000, restartDelayMs: 300, restartDelayMaxMs: 1000 };

/** The OpenCV libraries mapped into process `pid`. */
function openCvMapped(pid: number): string[] {
  const libs = fs
    .readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .map((l) => l.split(/\s+/)[5] ?? '')
    .filter((p) => /\/libopencv_[^/]*\.so/.test(p) || /opencv4nodejs\.node$/.test(p));
  return [...new Set(libs)];
}

async function serve(t: TestContext, overrides: Overrides, env: NodeJS.ProcessEnv): Promise<{ s: ServeChild; base: string; pid: number }> {
  const s = spawnServe(t, writeConfig(overrides), env);
  const m = await waitFor(() => /"port":(\d+)[^\n]*"msg":"listening"/.exec(s.output()), 20000, `the "listening" line (output: ${s.output().slice(-500)})`);
  return { s, base: `http://127.0.0.1:${m[1]}`, pid: s.child.pid! };
}

async function watch(t: TestContext, url: string): Promise<StreamWatcher> {
  const w = await watchStream(url);
  t.after(() => w.close());
  return w;
}

const noSignalCount = (w: StreamWatcher) => w.parts.filter((p) => p.noSignal).length;
const liveCount = (w: StreamWatcher) => w.parts.filter((p) => !p.noSignal).length;

/** A folder of real camera JPEGs (the 320x240 capture's frames, bytes as ffmpeg split them). */
function jpegFolder(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-frames-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  ffmpegSplit(MJPEG_CAPTURE).forEach((jpeg, i) => fs.writeFileSync(path.join(dir, `f${String(i).padStart(3, '0')}.jpg`), jpeg));
  return dir;
}

function assertNoOpenCv(pid: number, what: string): void {
  assert.deepEqual(openCvMapped(pid), [], `${what}: OpenCV is mapped into the server`);
}

function assertNoSignalFrame(w: StreamWatcher): void {
  const ns = w.parts.find((p) => p.noSignal)!;
  assert.deepEqual(jpegSize(ns.body), { width: 320, height: 240 }, 'NO SIGNAL is drawn at the camera size');
}

test('the check sees OpenCV: the test pattern (drawn with OpenCV) has it mapped', async (t) => {
  const { base, pid } = await serve(t, { camera: { source: 'testpattern', ...supervision } }, { PATH: SYSTEM_PATH });
  const w = await watch(t, `${base}/stream`);
  await waitFor(() => liveCount(w) >= 2, 60000, 'test pattern frames');
  const libs = openCvMapped(pid);
  assert.ok(libs.some((l) => /libopencv_core/.test(l)), `libopencv_core mapped: ${libs.join(', ')}`);
});

test('libcamera: the camera process crashes, NO SIGNAL is served, and OpenCV is never loaded', async (t) => {
  const cam = standin(t, ['pi'], 'crash'); // 10 frames, then "Device timeout" and exit 1, on every start
  const { s, base, pid } = await serve(t, { camera: { source: 'libcamera', ...supervision } }, cam.env);
  const w = await watch(t, `${base}/stream`);
  // Each crashing run writes its 10 frames in a burst, so a viewer sees one or two of them.
  await waitFor(() => liveCount(w) >= 1 && noSignalCount(w) >= 2, 60000, 'live frames, then NO SIGNAL frames');
  assert.match(s.output(), /camera source failed/);
  assertNoSignalFrame(w);
  assertNoOpenCv(pid, 'libcamera after a crash');
  // And once it is back.
  cam.setMode('ok');
  const seen = w.parts.length;
  await waitFor(() => w.parts.slice(seen).filter((p) => !p.noSignal).length >= 3, 60000, 'live frames after recovery');
  assertNoOpenCv(pid, 'libcamera after recovery');
});

test('USB MJPEG passthrough: the camera goes away, NO SIGNAL is served, and OpenCV is never loaded', async (t) => {
  const cam = standin(t, ['v4l2']);
  const capture = path.join(cam.state, 'camera.mjpeg');
  fs.copyFileSync(MJPEG_CAPTURE, capture);
  const camera = { source: 'opencv', device: '/dev/video0', fourcc: 'MJPG', passthrough: true, ...supervision };
  const { base, pid } = await serve(t, { camera }, cam.env);
  const w = await watch(t, `${base}/stream`);
  await waitFor(() => liveCount(w) >= 5, 60000, 'passthrough frames');
  fs.rmSync(capture); // unplugged: every restart of ffmpeg fails
  await waitFor(() => noSignalCount(w) >= 2, 60000, 'NO SIGNAL frames');
  assertNoSignalFrame(w);
  assertNoOpenCv(pid, 'USB passthrough after the camera went away');
});

test('files and http relay: the upstream dies, the relay serves NO SIGNAL; a files camera with no files serves NO SIGNAL; OpenCV is never loaded', async (t) => {
  const frames = jpegFolder(t);
  const up = await serve(t, { camera: { source: 'files', dir: frames, ...supervision } }, { PATH: SYSTEM_PATH });
  const relay = await serve(t, { camera: { source: 'http', url: `${up.base}/stream`, ...supervision } }, { PATH: SYSTEM_PATH });
  const w = await watch(t, `${relay.base}/stream`);
  await waitFor(() => liveCount(w) >= 5, 60000, 'relayed frames');
  assertNoOpenCv(up.pid, 'files source');
  up.s.child.kill('SIGKILL');
  await up.s.exited;
  await waitFor(() => noSignalCount(w) >= 2, 60000, 'NO SIGNAL frames on the relay');
  assertNoSignalFrame(w);
  assertNoOpenCv(relay.pid, 'relay after the upstream died');

  // A files camera whose folder is empty fails to start: NO SIGNAL until frames appear.
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-empty-'));
  t.after(() => fs.rmSync(empty, { recursive: true, force: true }));
  const files = await serve(t, { camera: { source: 'files', dir: empty, ...supervision } }, { PATH: SYSTEM_PATH });
  const fw = await watch(t, `${files.base}/stream`);
  await waitFor(() => noSignalCount(fw) >= 2, 60000, 'NO SIGNAL frames from the empty folder');
  assertNoSignalFrame(fw);
  for (const f of fs.readdirSync(frames)) fs.copyFileSync(path.join(frames, f), path.join(empty, f));
  await waitFor(() => liveCount(fw) >= 3, 60000, 'live frames once the folder has JPEGs');
  assertNoOpenCv(files.pid, 'files source after NO SIGNAL');
});
