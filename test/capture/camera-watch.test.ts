// The cheap watch camera.source=auto keeps while it shows the test pattern: a video
// node appearing in the device folder is noticed through inotify (the backup rescan is
// set far beyond the test's deadline, so only the watch can have seen it), a camera
// program appearing on PATH through the rescan, and nothing else calls the detection.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CameraWatch } from '../../src/capture/camera-watch';
import { waitFor } from '../helpers/camstream';
import { fixture } from '../helpers/fixture-files';
import { SYSTEM_PATH } from '../helpers/standin';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-watch-'));

test('a new /dev/videoN is noticed through inotify, not the rescan; other files are ignored', async (t) => {
  const dev = tempDir();
  let calls = 0;
  const w = new CameraWatch({ devDir: dev, env: { PATH: SYSTEM_PATH }, everyMs: 600000, onChange: async () => void calls++ });
  t.after(() => w.close());
  fs.writeFileSync(path.join(dev, 'null'), '');
  fs.writeFileSync(path.join(dev, 'video2'), '');
  await waitFor(() => calls === 1, 10000, 'the detection to run once');
  assert.equal(calls, 1);
});

test('rpicam-vid appearing on PATH is noticed by the rescan; an unchanged machine never runs the detection', async (t) => {
  const bin = tempDir();
  let calls = 0;
  const w = new CameraWatch({ devDir: tempDir(), env: { PATH: [bin, SYSTEM_PATH].join(path.delimiter) }, everyMs: 100, onChange: async () => void calls++ });
  t.after(() => w.close());
  // Many rescans over an unchanged machine: no detection run.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(calls, 0);
  fs.symlinkSync(fixture(path.join('standin', 'pi', 'rpicam-vid')), path.join(bin, 'rpicam-vid'));
  await waitFor(() => calls === 1, 10000, 'the detection to run');
});
