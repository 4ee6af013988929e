// The legacy raspistill source through node-raspistill, with a stand-in raspistill
// on the PATH given to the source that writes real JPEG files the way the real one
// does (to "<file>~", then renamed), where node-raspistill's watcher expects them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { RASPISTILL_SETTLE_MS, RaspistillSource } from '../../src/capture/raspistill';
import type { Config } from '../../src/config/schema';
import { CamstreamError } from '../../src/errors';
import { jpegSize } from '../../src/hub/frame';
import { waitFor, capturingLogger } from '../helpers/camstream';
import { standin, SYSTEM_PATH } from '../helpers/standin';

const cam = { width: 320, height: 240, fps: 15, quality: 70, rotation: 180, hflip: true, vflip: false } as Config['camera'];

test('takes repeated stills with node-raspistill and delivers each JPEG; logs the low frame rate', async (t) => {
  const s = standin(t, ['raspistill']);
  const { log, lines } = capturingLogger();
  const src = new RaspistillSource(cam, log, s.env);
  const frames: Buffer[] = [];
  const errors: Error[] = [];
  await src.start({ frame: (j) => void frames.push(j), fail: (e) => void errors.push(e) });
  t.after(() => src.stop());
  await waitFor(() => frames.length >= 6, 30000, '6 stills');
  for (const f of frames) assert.deepEqual(jpegSize(f), { width: 320, height: 240 });
  assert.deepEqual(errors, []);
  const runs = s.runs('raspistill');
  assert.ok(runs.length >= 6);
  const first = runs[0].split(' ');
  const arg = (flag: string) => first[first.indexOf(flag) + 1];
  assert.equal(arg('-w'), '320');
  assert.equal(arg('-h'), '240');
  assert.equal(arg('-q'), '70');
  assert.equal(arg('-t'), String(RASPISTILL_SETTLE_MS));
  assert.equal(arg('-rot'), '180');
  assert.ok(first.includes('-hf') && !first.includes('-vf') && first.includes('-n'));
  assert.match(arg('-o'), /camstream-stills-[^/]+\/still-1\.jpg$/);
  // A file per frame: the folder must be in RAM (tmpfs), never on the SD card.
  const TMPFS_MAGIC = 0x01021994;
  assert.equal(fs.statfsSync(path.dirname(arg('-o'))).type, TMPFS_MAGIC, `${arg('-o')} is not on tmpfs`);
  const logged = lines();
  assert.ok(logged.some((l) => l.msg === 'raspistill: one still per frame, so expect a low frame rate' && l.expectedFps === '0.5-2'));
  const measured = logged.find((l) => l.msg === 'raspistill frame rate measured');
  assert.ok(measured && typeof measured.fps === 'number' && measured.fps > 0);
  assert.match(src.describe(), /fps measured/);

  // Stills are deleted once read, and the folder goes on stop.
  const dir = arg('-o').replace(/\/still-1\.jpg$/, '');
  assert.ok(fs.readdirSync(dir).length <= 2);
  await src.stop();
  assert.equal(fs.existsSync(dir), false);
});

test('raspistill failing (no legacy camera) reaches the sink with its stderr', async (t) => {
  const s = standin(t, ['raspistill'], 'error');
  const src = new RaspistillSource(cam, capturingLogger().log, s.env);
  const errors: Error[] = [];
  await src.start({ frame() {}, fail: (e) => void errors.push(e) });
  t.after(() => src.stop());
  await waitFor(() => errors.length > 0, 10000, 'a failure');
  assert.match(errors[0].message, /raspistill failed \(70\): .*Failed to create camera component/);
});

test('not installed: says it exists only on the legacy stack and what to use instead', async () => {
  const src = new RaspistillSource(cam, capturingLogger().log, { PATH: SYSTEM_PATH });
  await assert.rejects(src.start({ frame() {}, fail() {} }), (e: CamstreamError) => e.code === 'CAMSTREAM_ERR_NO_DEVICE' && /use camera.source "libcamera"/.test(e.message));
});
