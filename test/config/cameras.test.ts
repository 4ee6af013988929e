// The cameras section: named cameras inheriting camera.*, the single form as the
// camera "default", and the load-time errors that name the camera.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load';
import { budgetLimitsOf, camerasOf } from '../../src/config/cameras';
import { cameraConflicts } from '../../src/config/camera-conflicts';
import type { CameraSettings } from '../../src/config/schema';
import { writeConfig, type Overrides } from '../helpers/camstream';
import { configProblems } from '../helpers/config-problems';

const load = (o: Overrides, env: NodeJS.ProcessEnv = {}) => loadConfig({ path: writeConfig(o), env }).config;
const problems = (o: Overrides, env: NodeJS.ProcessEnv = {}) => configProblems(() => loadConfig({ path: writeConfig(o), env }));
/** Exactly one problem, matching `re`. */
function onlyProblem(o: Overrides, re: RegExp): string {
  const p = problems(o);
  assert.equal(p.length, 1, p.join('\n'));
  assert.match(p[0], re);
  return p[0];
}

test('the single camera section is one camera named "default" at index 0, as before', () => {
  for (const o of [{ camera: { fps: 10 } }, { camera: { fps: 10 }, cameras: {} }] as Overrides[]) {
    const config = load(o, { CAMSTREAM_STREAM_MAX_FPS: '12' });
    assert.deepEqual(config.cameras, {});
    const cams = camerasOf(config);
    assert.equal(cams.length, 1);
    assert.equal(cams[0].name, 'default');
    assert.equal(cams[0].index, 0);
    assert.deepEqual(cams[0].camera, config.camera);
    assert.deepEqual(cams[0].limits, { maxClients: 20, maxFps: 12 });
    assert.deepEqual(budgetLimitsOf(config), { maxClientsTotal: 20, maxClientsPerIp: 6 }, 'no total: the total is stream.maxClients');
  }
});

test('each camera inherits the camera section (file and env) and overrides its own keys; order is the index', () => {
  const config = load(
    {
      camera: { width: 1280, height: 720, quality: 60 },
      cameras: {
        nozzle: { source: 'testpattern', fps: 10, stream: { maxClients: 3, maxFps: 10 } },
        front: { source: 'files', dir: '/srv/frames', width: 640, stream: { maxFps: 5 } },
      },
      stream: { maxClients: 8, maxClientsTotal: 9, maxFps: 25 },
    },
    { CAMSTREAM_CAMERA_FPS: '12' },
  );
  const [nozzle, front] = camerasOf(config);
  assert.deepEqual([nozzle.name, nozzle.index, front.name, front.index], ['nozzle', 0, 'front', 1]);
  assert.equal(nozzle.camera.source, 'testpattern');
  assert.equal(nozzle.camera.fps, 10, 'own key wins over env default');
  assert.equal(front.camera.fps, 12, 'inherited from env CAMSTREAM_CAMERA_FPS');
  assert.equal(nozzle.camera.width, 1280, 'inherited from the file');
  assert.equal(front.camera.width, 640);
  assert.equal(front.camera.height, 720);
  assert.equal(front.camera.quality, 60);
  assert.equal(front.camera.restartDelayMs, 500, 'built-in default');
  assert.ok(!('stream' in front.camera), 'the camera part holds camera keys only');
  assert.deepEqual(nozzle.limits, { maxClients: 3, maxFps: 10 });
  assert.deepEqual(front.limits, { maxClients: 8, maxFps: 5 }, 'default: stream.maxClients / stream.maxFps');
  assert.deepEqual(budgetLimitsOf(config), { maxClientsTotal: 9, maxClientsPerIp: 6 });
  assert.ok(Object.isFrozen(config.cameras.front.stream), 'frozen like the rest');
  // A camera's cap above the total is fine: the total still bounds.
  assert.equal(load({ cameras: { a: { source: 'testpattern', stream: { maxClients: 50 } } }, stream: { maxClientsTotal: 4 } }).cameras.a.stream.maxClients, 50);
});

test('config/camstream.two-cameras.example.json loads: a Pi camera and a USB webcam by its by-id name', () => {
  const file = path.join(__dirname, '..', '..', '..', 'config', 'camstream.two-cameras.example.json');
  const { config } = loadConfig({ path: file, env: {} });
  const cams = camerasOf(config);
  assert.deepEqual(
    cams.map((c) => [c.name, c.index, c.camera.source]),
    [
      ['front', 0, 'libcamera'],
      ['nozzle', 1, 'opencv'],
    ],
  );
  assert.match(cams[1].camera.device, /^\/dev\/v4l\/by-id\//);
  assert.equal(cams[0].camera.width, 1280, 'inherits the camera section');
  assert.equal(cams[1].camera.width, 640);
  assert.deepEqual(cams[1].limits, { maxClients: 4, maxFps: 10 });
  assert.equal(budgetLimitsOf(config).maxClientsTotal, 12);
});

test('a bad camera name is an error naming it', () => {
  for (const name of ['Front', '-x', 'a.b', 'cam one', 'x'.repeat(33), '_x', 'é']) {
    onlyProblem({ cameras: { [name]: { source: 'testpattern' } } }, /^cameras\..* in .*: expected a camera name of a-z, 0-9, "_" and "-" starting with a letter or digit, at most 32 characters .*got ".*" \(string\)$/);
  }
  for (const name of ['a', '0a', 'front-left', 'nozzle_2', 'x'.repeat(32)]) assert.ok(load({ cameras: { [name]: { source: 'testpattern' } } }).cameras[name]);
  // Digits only: JSON.parse would put it first whatever the file says, and the order is the index.
  onlyProblem({ cameras: { front: { source: 'testpattern' }, 1: { source: 'testpattern' } } }, /^cameras\.1 in .*: expected a camera name that is not only digits .*e\.g\. "cam1", got "1" \(string\)$/);
});

test("a camera's bad value says what the same key says under camera, with the camera's name", () => {
  const p = problems({
    cameras: {
      front: { source: 'testpattern' },
      nozzle: { source: 'webcam', fps: 500, quality: 'high', stream: { maxClients: 0, maxFps: 0 } },
      side: { source: 'testpattern', stream: { maxClients: -1 } },
    },
  });
  const expect = [
    /^cameras\.nozzle\.source in .*: expected one of .*"testpattern".*, got "webcam" \(string\)$/,
    /^cameras\.nozzle\.fps in .*: expected a number 0\.1\.\.240, got 500 \(number\)$/,
    /^cameras\.nozzle\.quality in .*: expected an integer 1\.\.100, got "high" \(string\)$/,
    /^cameras\.nozzle\.stream\.maxClients in .*: expected an integer 1\.\.1000, got 0 \(number\)$/,
    /^cameras\.nozzle\.stream\.maxFps in .*: expected a number 0\.1\.\.240, got 0 \(number\)$/,
    /^cameras\.side\.stream\.maxClients in .*: expected an integer 1\.\.1000, got -1 \(number\)$/,
  ];
  for (const re of expect) assert.ok(p.some((l) => re.test(l)), `no line matching ${re} in\n${p.join('\n')}`);
  assert.equal(p.length, expect.length, p.join('\n'));
  // The same text as the single form's, but for the key's name.
  const single = problems({ camera: { fps: 500 } });
  const after = (line: string) => line.replace(/^.* in \S+: /, '');
  assert.equal(after(single[0]), after(p.find((l) => l.startsWith('cameras.nozzle.fps'))!));
});

test('unknown keys in a camera are errors with the closest key suggested; non-objects are clear errors', () => {
  const p = problems({ cameras: { front: { source: 'testpattern', fsp: 3, stream: { maxClient: 2, queueSize: 3 } } } });
  assert.ok(p.some((l) => /^cameras\.front\.fsp in .*: unknown key \(did you mean "cameras\.front\.fps"\?\)$/.test(l)), p.join('\n'));
  assert.ok(p.some((l) => /^cameras\.front\.stream\.maxClient in .*: unknown key \(did you mean "cameras\.front\.stream\.maxClients"\?\)$/.test(l)), p.join('\n'));
  assert.ok(p.some((l) => /^cameras\.front\.stream\.queueSize in .*: unknown key/.test(l)), 'only maxClients and maxFps are per camera');
  assert.equal(p.length, 3, p.join('\n'));
  onlyProblem({ cameras: { front: 5 } as never }, /^cameras\.front in .*: expected an object of camera settings .*got 5 \(number\)$/);
  onlyProblem({ cameras: { front: { stream: 5 } } }, /^cameras\.front\.stream in .*: expected an object of settings, got 5 \(number\)$/);
  onlyProblem({ cameras: { front: { fps: { max: 10 } } } }, /^cameras\.front\.fps in .*: expected a single value, not an object, got \{"max":10\} \(object\)$/);
  onlyProblem({ camera: { fps: { max: 10 } } }, /^camera\.fps in .*: expected a single value, not an object, got \{"max":10\} \(object\)$/);
  onlyProblem({ cameras: [{ source: 'testpattern' }] as never }, /^cameras in .*: expected an object of named cameras .*got \[.*\] \(array\)$/);
  // A mistake elsewhere does not hide a camera's.
  const both = problems({ stream: { maxClients: 'lots' }, cameras: { front: { fps: 0 } } });
  assert.ok(both.some((l) => /^stream\.maxClients in /.test(l)) && both.some((l) => /^cameras\.front\.fps in /.test(l)), both.join('\n'));
  // Nor does a camera's hide a rule between keys; and with cameras the camera section is only defaults (no camera.dir rule).
  const cross = problems({ server: { maxConnections: 10 }, camera: { source: 'files' }, cameras: { front: { fps: 0 } } });
  assert.deepEqual(cross.map((l) => l.replace(/[: ].*/, '')), ['cameras.front.fps', 'server.maxConnections'], cross.join('\n'));
});

test('two cameras on one device are an error: same string, same file behind a link, "N" and /dev/videoN', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-dev-'));
  const real = path.join(dir, 'video7');
  fs.writeFileSync(real, '');
  fs.mkdirSync(path.join(dir, 'by-id'));
  const link = path.join(dir, 'by-id', 'usb-046d_C270-video-index0');
  fs.symlinkSync(real, link);
  const two = (a: string, b: string) => ({ cameras: { front: { source: 'opencv', device: a }, nozzle: { source: 'opencv', device: b } } });
  onlyProblem(two('/dev/v4l/by-id/usb-x', '/dev/v4l/by-id/usb-x'), /^cameras\.nozzle\.device: expected a device no other camera opens .*got "\/dev\/v4l\/by-id\/usb-x" \(string\), which cameras\.front opens too$/);
  const viaLink = onlyProblem(two(real, link), /^cameras\.nozzle\.device: expected a device no other camera opens/);
  assert.ok(viaLink.includes(`(${real})`), `says what the link resolves to: ${viaLink}`);
  onlyProblem(two('/dev/video9', '9'), /^cameras\.nozzle\.device: .*got "9" \(string\) \(\/dev\/video9\), which cameras\.front opens too$/);
  // Inherited: two USB cameras that both leave device at the camera section's value.
  onlyProblem({ camera: { source: 'opencv', device: link }, cameras: { a: {}, b: {} } }, /^cameras\.b\.device \(inherited from camera\.device\): expected a device no other camera opens/);
  // Different devices are fine.
  assert.equal(camerasOf(load(two(real, '/dev/video9'))).length, 2);
});

test('two cameras on one Pi camera are an error; camera.index tells them apart', () => {
  onlyProblem({ cameras: { front: { source: 'libcamera' }, back: { source: 'libcamera' } } }, /^cameras\.back\.index \(inherited from camera\.index\): expected a Pi camera no other camera opens .*got camera 0, which cameras\.front opens too$/);
  onlyProblem({ cameras: { front: { source: 'libcamera' }, old: { source: 'raspistill' } } }, /^cameras\.old\.source: expected a Pi camera no other camera opens .*got camera 0, which cameras\.front opens too$/);
  // camera.index is the discover branch's key; until it is in the schema the rule is shown on settings directly.
  const pi = (index: number) => ({ source: 'libcamera', index }) as unknown as CameraSettings;
  const given = new Map([['front', { index: 0 }], ['back', { index: 1 }]]);
  assert.deepEqual(cameraConflicts([['front', pi(0)], ['back', pi(1)]], given), []);
  const clash = cameraConflicts([['front', pi(1)], ['back', pi(1)]], given);
  assert.equal(clash.length, 1);
  assert.match(clash[0], /^cameras\.back\.index: expected a Pi camera no other camera opens .*got camera 1, which cameras\.front opens too$/);
});

test('more than one camera with source "auto" is an error (each would pick the same camera)', () => {
  const p = problems({ cameras: { a: {}, b: { source: 'auto' }, c: { source: 'testpattern' }, d: {} } });
  assert.deepEqual(
    p.map((l) => l.replace(/: expected.*/, '')),
    ['cameras.b.source', 'cameras.d.source (inherited from camera.source)'],
  );
  assert.match(p[0], /expected at most one camera with source "auto" .*got "auto" \(string\), as cameras\.a has$/);
  assert.equal(camerasOf(load({ cameras: { a: {}, c: { source: 'testpattern' } } })).length, 2, 'one auto is fine');
});

test("the load-time camera checks run for every camera, naming it (and where an inherited value was written)", () => {
  const p = problems({
    camera: { fourcc: 'MJPEG' },
    cameras: {
      a: { source: 'testpattern', fourcc: 'MJPG' },
      b: { source: 'files' },
      c: { source: 'http', url: 'rtsp://admin:hunter2@cam/stream' },
      d: { source: 'opencv', device: 'videotestsrc ! videoconvert', fourcc: '' },
    },
  });
  const expect = [
    /^cameras\.b\.dir \(inherited from camera\.dir\): expected a folder of JPEG files when cameras\.b\.source is "files", got "" \(string\)$/,
    /^cameras\.b\.fourcc \(inherited from camera\.fourcc\): expected 4 characters .*got "MJPEG" \(string\)$/,
    /^cameras\.c\.fourcc \(inherited from camera\.fourcc\): expected 4 characters/,
    /^cameras\.c\.url: expected an http:\/\/ or https:\/\/ URL, got "rtsp:" in "rtsp:\/\/admin:\*\*\*@cam\/stream"$/,
    /^cameras\.d\.device: expected a GStreamer pipeline ending in "! appsink" .*got a pipeline ending in "videoconvert"$/,
  ];
  for (const re of expect) assert.ok(p.some((l) => re.test(l)), `no line matching ${re} in\n${p.join('\n')}`);
  assert.equal(p.length, expect.length, p.join('\n'));
  assert.ok(!p.join('\n').includes('hunter2'));
});

test('stream.maxClientsTotal: 0..10000, and server.maxConnections must leave room for every camera\'s queue', () => {
  onlyProblem({ stream: { maxClientsTotal: -1 } }, /^stream\.maxClientsTotal in .*: expected an integer 0\.\.10000, got -1 \(number\)$/);
  onlyProblem(
    { server: { maxConnections: 40 }, stream: { maxClients: 20, queueSize: 10 }, cameras: { a: { source: 'testpattern' }, b: { source: 'testpattern' } } },
    /^server\.maxConnections: expected at least the streaming slots \(20: .*\) \+ 2 × stream\.queueSize \+ 1 = 41 .*got 40$/,
  );
  assert.equal(load({ server: { maxConnections: 41 }, stream: { maxClients: 20, queueSize: 10 }, cameras: { a: { source: 'testpattern' }, b: { source: 'testpattern' } } }).server.maxConnections, 41);
});
