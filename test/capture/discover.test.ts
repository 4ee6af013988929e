// Finding every camera (issue 11 item 4): the Pi cameras the stand-in rpicam-vid lists
// and USB webcams in a fake /dev tree with udev's by-id/by-path links; the real
// `camstream list-cameras` as a child process; and source=auto picking the first camera
// in a stable order, whatever order the directory lists them in.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { AutoSource, chooseCamera } from '../../src/capture/auto';
import { listUsbCameras } from '../../src/capture/discover';
import { describeCameras } from '../../src/capture/list-cameras';
import { camerasOf } from '../../src/config/cameras';
import { loadConfig } from '../../src/config/load';
import { capturingLogger, waitFor, writeConfig } from '../helpers/camstream';
import { fakeDevTree, webcam, type FakeNode } from '../helpers/fake-dev';
import { CLI } from '../helpers/serve-child';
import { standin, standinCameraOf, SYSTEM_PATH } from '../helpers/standin';

const exec = promisify(execFile);

async function listCameras(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [CLI, 'list-cameras', ...args], { env, timeout: 30000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Two identical webcams without a serial number: one by-id name between them.
const SONIX = 'Sonix_Technology_Co.__Ltd._USB_2.0_Camera';
const SONIX_CARD = 'USB 2.0 Camera: USB 2.0 Camera';
const twinWebcams = (): FakeNode[] => [...webcam('video0', 'video1', SONIX_CARD, SONIX, '1.1'), ...webcam('video2', 'video3', SONIX_CARD, SONIX, '1.2')];
// The Pi's own V4L2 nodes: udev names them by-path (platform-…), never by-id.
const PI_NODES: FakeNode[] = [
  { node: 'video10', card: 'bcm2835-codec-decode', index: 0, byPath: 'platform-bcm2835-codec-video-index0' },
  { node: 'video19', card: 'unicam-image', index: 0, byPath: 'platform-fe801000.csi-video-index0' },
];

test('USB webcams: capture nodes only, by-id when the name is their own, by-path for two that share one', (t) => {
  const c270 = webcam('video4', 'video5', 'C270 HD WEBCAM', '046d_C270_HD_WEBCAM_2A5F1E90', '1.3');
  const { devDir, sysDir } = fakeDevTree(t, [...PI_NODES, ...twinWebcams(), ...c270]);
  const found = listUsbCameras({ devDir, sysDir });
  assert.deepEqual(
    found.map((c) => [c.device.slice(devDir.length), c.pinnedBy, path.basename(c.node)]),
    [
      ['/v4l/by-id/usb-046d_C270_HD_WEBCAM_2A5F1E90-video-index0', 'by-id', 'video4'],
      ['/v4l/by-path/platform-xhci-hcd.0-usb-0:1.1:1.0-video-index0', 'by-path', 'video0'],
      ['/v4l/by-path/platform-xhci-hcd.0-usb-0:1.2:1.0-video-index0', 'by-path', 'video2'],
    ],
  );
  // The pinned path leads to the camera's own capture node.
  for (const c of found) assert.equal(fs.realpathSync(c.device), c.node);
  // Names: the model number in the by-id name (after the vendor part), else the card name.
  assert.deepEqual(describeCameras({ cameras: found, pi: null }).map((c) => c.name), ['usb-c270', 'usb-2-0-camera', 'usb-2-0-camera-2']);
});

test('list-cameras: two Pi cameras and two identical webcams are four cameras, the twins pinned by USB port; the snippet loads as camera config', async (t) => {
  const s = standin(t, ['pi'], 'ok', { piCameras: 2 });
  const { devDir, sysDir } = fakeDevTree(t, [...PI_NODES, ...twinWebcams()]);
  const env = s.env;
  const r = await listCameras(['--json', '--dev', devDir, '--sys', sysDir], env);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const port = (p: string) => path.join(devDir, 'v4l', 'by-path', `platform-xhci-hcd.0-usb-0:${p}:1.0-video-index0`);
  assert.deepEqual(
    out.cameras.map((c: { name: string; kind: string; config: unknown }) => [c.name, c.kind, c.config]),
    [
      ['pi0', 'libcamera', { source: 'libcamera', index: 0 }],
      ['pi1', 'libcamera', { source: 'libcamera', index: 1 }],
      ['usb-2-0-camera', 'usb', { source: 'opencv', device: port('1.1') }],
      ['usb-2-0-camera-2', 'usb', { source: 'opencv', device: port('1.2') }],
    ],
  );
  assert.match(out.cameras[1].description, /^Pi camera 1: imx219 \[3280x2464 10-bit RGGB\]$/);
  assert.match(out.cameras[2].description, /pinned by its USB port/);
  assert.deepEqual(Object.keys(out.config), ['cameras']);
  assert.deepEqual(Object.entries(out.config.cameras), out.cameras.map((c: { name: string; config: unknown }) => [c.name, c.config]));
  for (const name of Object.keys(out.config.cameras)) assert.match(name, /^[a-z0-9][a-z0-9_-]{0,31}$/, 'a URL-safe camera name');
  // Each entry is a valid camera section (its keys and values pass the schema and the camera checks).
  for (const entry of Object.values(out.config.cameras)) {
    const cam = loadConfig({ path: writeConfig({ camera: entry as Record<string, unknown> }), env: {} }).config.camera;
    assert.deepEqual({ ...cam, ...(entry as object) }, cam);
  }
  // And the whole snippet is a valid config: four cameras in the listed order (no two on
  // one device or Pi camera number — the load-time conflict checks pass).
  const loaded = loadConfig({ path: writeConfig(out.config), env: {} }).config;
  assert.deepEqual(
    camerasOf(loaded).map((c) => [c.name, c.index, c.camera.source, c.camera.source === 'libcamera' ? c.camera.index : c.camera.device]),
    [
      ['pi0', 0, 'libcamera', 0],
      ['pi1', 1, 'libcamera', 1],
      ['usb-2-0-camera', 2, 'opencv', port('1.1')],
      ['usb-2-0-camera-2', 3, 'opencv', port('1.2')],
    ],
  );

  // The text form lists the same and ends with the same snippet, ready to paste.
  const text = await listCameras(['--dev', devDir, '--sys', sysDir], env);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Found 4 cameras:\n {2}pi0 {15}--camera 0\n/);
  assert.ok(text.stdout.includes(`usb-2-0-camera    ${port('1.1')}\n`), text.stdout);
  assert.deepEqual(JSON.parse(text.stdout.slice(text.stdout.indexOf('\n{\n') + 1)), out.config);
  // It only looked: rpicam-vid was asked for its list, nothing else.
  assert.deepEqual(s.runs('rpicam-vid'), ['--list-cameras', '--list-cameras']);
});

test('list-cameras with no camera: exit 0 and says what it looked for; a wrong argument is a usage error', async (t) => {
  const s = standin(t, ['pi'], 'ok', { piCameras: 0 });
  const { devDir, sysDir } = fakeDevTree(t, PI_NODES);
  const env = s.env;
  const r = await listCameras(['--dev', devDir, '--sys', sysDir], env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `No camera found: rpicam-vid --list-cameras lists none, and no USB webcam under ${devDir}/v4l or ${devDir}/video*.\nConnect a camera (a Pi camera needs a reboot after connecting) and run camstream list-cameras again.\n`);
  const j = await listCameras(['--json', '--dev', devDir, '--sys', sysDir], { PATH: SYSTEM_PATH });
  assert.equal(j.code, 0, j.stderr);
  assert.deepEqual(JSON.parse(j.stdout), { cameras: [], config: { cameras: {} } });
  const bad = await listCameras(['--dev'], env);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /^camstream list-cameras: --dev needs a folder\nusage: camstream list-cameras/);
});

test('auto picks the same first camera whatever order the directory lists them in: by by-id name, not by /dev/videoN', async (t) => {
  // The C920 enumerated first (video0), the C270 second (video2): /dev/videoN order
  // would pick the C920; the by-id order (046d_C270… < 046d_HD_Pro…) picks the C270.
  const c920 = webcam('video0', 'video1', 'HD Pro Webcam C920', '046d_HD_Pro_Webcam_C920_8E3F7A6F', '1.1');
  const c270 = webcam('video2', 'video3', 'C270 HD WEBCAM', '046d_C270_HD_WEBCAM_2A5F1E90', '1.2');
  const probe = async (d: string) => fs.existsSync(d);
  const picked: string[] = [];
  for (const nodes of [[...c920, ...c270], [...c270, ...c920], [...c270, ...c920].reverse()]) {
    const { devDir, sysDir } = fakeDevTree(t, nodes);
    const c = await chooseCamera({ env: { PATH: SYSTEM_PATH }, devDir, sysDir, probe });
    assert.equal(c.kind, 'opencv', c.reason);
    picked.push(c.device!.slice(devDir.length));
  }
  assert.deepEqual(picked, Array(3).fill('/v4l/by-id/usb-046d_C270_HD_WEBCAM_2A5F1E90-video-index0'));

  // One that gives no frame is passed over, and said so.
  const { devDir, sysDir } = fakeDevTree(t, [...c920, ...c270]);
  const c = await chooseCamera({ env: { PATH: SYSTEM_PATH }, devDir, sysDir, probe: async (d) => !d.includes('C270') });
  assert.equal(c.device, path.join(devDir, 'v4l', 'by-id', 'usb-046d_HD_Pro_Webcam_C920_8E3F7A6F-video-index0'));
  assert.match(c.reason, /usb-046d_C270_HD_WEBCAM_2A5F1E90-video-index0 \(C270 HD WEBCAM\) gives no frame; .*C920_8E3F7A6F-video-index0 \(HD Pro Webcam C920\) delivers frames$/);
});

test('auto with two Pi cameras and webcams serves Pi camera 0 and logs that it found four, pointing at list-cameras', async (t) => {
  const s = standin(t, ['pi'], 'ok', { piCameras: 2 });
  const { devDir, sysDir } = fakeDevTree(t, twinWebcams());
  const { log, lines } = capturingLogger();
  const cam = loadConfig({ path: writeConfig({ camera: { width: 320, height: 240, fps: 10 } }), env: {} }).config.camera;
  const source = new AutoSource(cam, log, { env: s.env, devDir, sysDir, probe: async () => assert.fail('a Pi camera wins before any webcam is opened') });
  const frames: Buffer[] = [];
  await source.start({ frame: (j) => void frames.push(j), fail: (e) => assert.fail(e) });
  t.after(() => source.stop());
  await waitFor(() => frames.length >= 3, 15000, '3 frames');
  assert.equal(standinCameraOf(frames[2]), 0, 'the picture of Pi camera 0');
  const chosen = lines().find((l) => l.msg === 'camera.source auto: chosen');
  assert.equal(chosen?.selected, 'libcamera');
  assert.equal(chosen?.found, 4);
  assert.ok(lines().some((l) => l.found === 4 && l.msg === 'camera.source auto: found 4 cameras and serves the first; run "camstream list-cameras" for the config that serves them all'), JSON.stringify(lines()));
  assert.deepEqual(s.runs('rpicam-vid'), ['--list-cameras', '-t 0 -n --codec mjpeg --width 320 --height 240 --framerate 10 -q 75 --flush -o -']);
});

test('auto with one camera does not talk about others', async (t) => {
  const s = standin(t, ['pi']);
  const { log, lines } = capturingLogger();
  const dev = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-nodev-'));
  t.after(() => fs.rmSync(dev, { recursive: true, force: true }));
  const cam = loadConfig({ path: writeConfig({ camera: { width: 320, height: 240, fps: 10 } }), env: {} }).config.camera;
  const source = new AutoSource(cam, log, { env: s.env, devDir: dev });
  const frames: Buffer[] = [];
  await source.start({ frame: (j) => void frames.push(j), fail: (e) => assert.fail(e) });
  t.after(() => source.stop());
  await waitFor(() => frames.length >= 1, 15000, 'a frame');
  assert.equal(lines().find((l) => l.msg === 'camera.source auto: chosen')?.found, 1);
  assert.equal(lines().filter((l) => /list-cameras/.test(String(l.msg))).length, 0);
});
