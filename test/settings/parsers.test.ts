// The parsers read real tool output (test/fixtures/tools/, copied from public bug
// reports) and the stand-ins' output, which must read the same way.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'node:test';
import { hasAutofocus, hasHdr, parseRpicamList } from '../../src/settings/rpicam-list';
import { parseCtrlsMenus, parseFormatsExt } from '../../src/settings/v4l2-list';
import { libcameraControls, libcameraExtraArgs } from '../../src/settings/libcamera-controls';
import { v4l2Controls } from '../../src/settings/v4l2-settings';
import { validate } from '../../src/settings/controls';
import { loadConfig } from '../../src/config/load';
import { fixture } from '../helpers/fixture-files';
import { standin } from '../helpers/standin';

const tool = (name: string) => fs.readFileSync(fixture(`tools/${name}`), 'utf8');
const camera = loadConfig({ env: {}, defaultPath: '/nonexistent/camstream.json' }).config.camera;

test('rpicam-vid --list-cameras: modes with rates, the crop is not a mode (Camera Module 3 wide)', () => {
  const [c] = parseRpicamList(tool('rpicam-list-cameras-imx708-wide.txt'));
  assert.equal(c.model, 'imx708_wide');
  assert.deepEqual(c.modes, [
    { format: 'SRGGB10_CSI2P', width: 1536, height: 864, fps: 120.13 },
    { format: 'SRGGB10_CSI2P', width: 2304, height: 1296, fps: 56.03 },
    { format: 'SRGGB10_CSI2P', width: 4608, height: 2592, fps: 14.35 },
  ]);
  assert.equal(c.controls, null);
  // No control list printed: autofocus and HDR are known by the sensor.
  assert.equal(hasAutofocus(c), true);
  assert.equal(hasHdr(c), true);
});

test('rpicam-vid --list-cameras: 2021 layout, several sizes on one line, no rates (HQ camera)', () => {
  const [c] = parseRpicamList(tool('rpicam-list-cameras-imx477.txt'));
  assert.equal(c.model, 'imx477');
  assert.deepEqual(c.modes.map((m) => `${m.format} ${m.width}x${m.height} ${m.fps}`), [
    'SRGGB10_CSI2P 1332x990 null',
    'SRGGB12_CSI2P 2028x1080 null',
    'SRGGB12_CSI2P 2028x1520 null',
    'SRGGB12_CSI2P 4056x3040 null',
  ]);
  assert.equal(hasAutofocus(c), false);
});

test('rpicam-vid --list-cameras -v: the control list gives the ranges, and says there is no lens', () => {
  const [c] = parseRpicamList(tool('rpicam-list-cameras-imx296-v.txt'));
  assert.equal(c.modes.length, 1);
  assert.deepEqual(c.controls!.ExposureValue, ['-8.000000', '8.000000']);
  assert.deepEqual(c.controls!.AnalogueGain, ['1.000000', '251.188644']);
  assert.equal(hasAutofocus(c), false);
  const controls = libcameraControls(c, camera, {});
  const ev = controls.find((x) => x.name === 'ev')!;
  assert.deepEqual([ev.min, ev.max], [-8, 8]);
  assert.equal(controls.find((x) => x.name === 'gain')!.max, 251.188644);
  assert.ok(!controls.some((x) => x.group === 'focus'), 'no focus controls without a lens');
});

test('the stand-in rpicam-vid lists like the real one: Camera Module 3 with a lens', (t) => {
  const s = standin(t, ['pi'], 'ok', { piCameras: 2 });
  const [c, c1] = parseRpicamList(execFileSync(fixture('standin/pi/rpicam-vid'), ['--list-cameras'], { env: s.env, encoding: 'utf8' }));
  assert.equal(c1.model, 'imx219');
  assert.equal(hasAutofocus(c1), false);
  assert.equal(c.model, 'imx708');
  assert.equal(hasAutofocus(c), true);
  const lens = libcameraControls(c, camera, {}).find((x) => x.name === 'lens-position')!;
  assert.deepEqual([lens.min, lens.max, lens.group], [0, 32, 'focus']);
});

test('rpicam-vid options for settings: a lens position means manual focus', () => {
  assert.deepEqual(libcameraExtraArgs({ 'lens-position': 2.5 }), ['--autofocus-mode', 'manual', '--lens-position', '2.5']);
  assert.deepEqual(libcameraExtraArgs({ 'autofocus-mode': 'continuous', awb: 'daylight' }), ['--autofocus-mode', 'continuous', '--awb', 'daylight']);
  // Manual white balance gains: one option, only when both are set.
  assert.deepEqual(libcameraExtraArgs({ 'awbgains-red': 1.5, 'awbgains-blue': 1.2 }), ['--awbgains', '1.5,1.2']);
  assert.deepEqual(libcameraExtraArgs({ 'awbgains-red': 1.5 }), []);
  // camera.* keys are libcameraArgs' own (--width, --rotation, …), never repeated here.
  assert.deepEqual(libcameraExtraArgs({ resolution: '1536x864', framerate: 30, hflip: true }), []);
});

test('v4l2-ctl --list-ctrls-menus (C920): types, ranges, flags and menu entries', () => {
  const list = parseCtrlsMenus(tool('v4l2-ctl-list-ctrls-menus-c920.txt'));
  assert.equal(list.length, 17);
  assert.deepEqual(list[0], { name: 'brightness', type: 'int', min: 0, max: 255, step: 1, default: 128, value: 128, flags: ['has-min-max'] });
  const plf = list.find((c) => c.name === 'power_line_frequency')!;
  assert.deepEqual(plf.menu, [
    { value: 0, label: 'Disabled' },
    { value: 1, label: '50 Hz' },
    { value: 2, label: '60 Hz' },
  ]);
  assert.equal(plf.value, 2);
  assert.deepEqual(list.find((c) => c.name === 'white_balance_temperature')!.flags, ['inactive', 'has-min-max']);
  // A menu with gaps offers only the entries the camera lists (auto_exposure has 1 and 3).
  assert.deepEqual(list.find((c) => c.name === 'auto_exposure')!.menu!.map((m) => m.value), [1, 3]);
  const controls = v4l2Controls(list);
  const focus = controls.find((c) => c.name === 'focus_absolute')!;
  assert.deepEqual([focus.group, focus.step, focus.apply], ['focus', 5, 'live']);
  // Validation against what the camera reported: step, range and menu entries.
  assert.deepEqual(validate(controls, { focus_absolute: 25 }), { values: { focus_absolute: 25 } });
  const bad = validate(controls, { focus_absolute: 27, auto_exposure: 2, brightness: 300 });
  assert.ok('problems' in bad);
  assert.deepEqual(bad.problems, [
    'camera setting "focus_absolute" takes a whole number from 0 to 250 in steps of 5; got 27 (number)',
    'camera setting "auto_exposure" takes one of 1, 3; got 2 (number)',
    'camera setting "brightness" takes a whole number from 0 to 255; got 300 (number)',
  ]);
});

test('v4l2-ctl --list-formats-ext: sizes and rates per format', () => {
  const f = parseFormatsExt(tool('v4l2-ctl-list-formats-ext.txt'));
  assert.deepEqual(f.map((x) => x.fourcc), ['MJPG', 'YUYV']);
  assert.deepEqual(f[0].sizes[0], { width: 1280, height: 720, fps: [30, 25, 20, 15, 10, 5] });
  assert.deepEqual(f[0].sizes.map((s) => `${s.width}x${s.height}`), ['1280x720', '640x480', '352x288']);
  assert.deepEqual(f[1].sizes[1], { width: 1280, height: 720, fps: [10, 7.5] });
  // The older layout ("Pixel Format: 'YUYV'") too.
  const old = parseFormatsExt("ioctl: VIDIOC_ENUM_FMT\n\tIndex       : 0\n\tType        : Video Capture\n\tPixel Format: 'YUYV'\n\tName        : YUYV 4:2:2\n\t\tSize: Discrete 640x480\n\t\t\tInterval: Discrete 0.033s (30.000 fps)\n");
  assert.deepEqual(old, [{ fourcc: 'YUYV', sizes: [{ width: 640, height: 480, fps: [30] }] }]);
});
