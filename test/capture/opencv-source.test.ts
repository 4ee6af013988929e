// The OpenCV source on what this machine has: a GStreamer live pipeline (camera-like),
// a video file made by ffmpeg, and a device that does not exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load';
import { OpenCvSource, classifyDevice } from '../../src/capture/opencv';
import { TestPatternSource } from '../../src/capture/testpattern';
import { FilesSource } from '../../src/capture/files';
import type { FrameSource } from '../../src/capture/source';
import { cv } from '../../src/capture/cv';
import { silentLogger } from '../../src/log';
import { writeConfig } from '../helpers/camstream';
import { makeJpegFolder } from '../helpers/jpeg-fixtures';

function camera(overrides: Record<string, unknown>) {
  return loadConfig({ path: writeConfig({ camera: overrides }), env: {} }).config.camera;
}

/** Collect `n` frames from a started source, or fail after `timeoutMs`. */
async function collect(src: FrameSource, n: number, timeoutMs = 10000): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${frames.length}/${n} frames in ${timeoutMs} ms`)), timeoutMs);
      src
        .start({
          frame: (jpeg) => {
            frames.push(jpeg);
            if (frames.length === n) {
              clearTimeout(timer);
              resolve();
            }
          },
          fail: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        })
        .catch(reject);
    });
  } finally {
    await src.stop();
  }
  return frames;
}

const size = (jpeg: Buffer) => {
  const m = cv().imdecode(jpeg);
  const s = [m.cols, m.rows];
  m.release(); // not left to the finaliser, which can crash the process at exit
  return s;
};

test('device strings: index and /dev path are V4L2, "!" is GStreamer, anything else a file', () => {
  assert.deepEqual(classifyDevice('0'), { kind: 'v4l2', target: 0 });
  assert.deepEqual(classifyDevice('/dev/video2'), { kind: 'v4l2', target: '/dev/video2' });
  assert.equal(classifyDevice('videotestsrc ! appsink').kind, 'gstreamer');
  assert.equal(classifyDevice('/srv/demo.mp4').kind, 'file');
});

test('a live GStreamer pipeline is read and encoded, at the pipeline size', async () => {
  const pipeline = 'videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 ! videoconvert ! appsink';
  const frames = await collect(new OpenCvSource(camera({ source: 'opencv', device: pipeline, quality: 60 }), silentLogger()), 5);
  assert.equal(frames.length, 5);
  for (const f of frames) assert.deepEqual(size(f), [320, 240]);
  assert.ok(!frames[0].equals(frames[4]), 'the picture moves');
});

test('a video file is read and looped', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-video-'));
  const file = path.join(dir, 'clip.avi');
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=176x144:rate=25', '-frames:v', '6', '-c:v', 'mjpeg', file]);
  // 10 frames from a 6-frame clip: it must loop.
  const frames = await collect(new OpenCvSource(camera({ source: 'opencv', device: file, fps: 100 }), silentLogger()), 10);
  for (const f of frames) assert.deepEqual(size(f), [176, 144]);
});

test('a missing device is a clear CAMSTREAM_ERR_NO_DEVICE', async () => {
  const src = new OpenCvSource(camera({ source: 'opencv', device: '/dev/video99' }), silentLogger());
  await assert.rejects(src.start({ frame: () => {}, fail: () => {} }), (err: Error & { code?: string }) => err.code === 'CAMSTREAM_ERR_NO_DEVICE' && /\/dev\/video99: no such device/.test(err.message));
  await src.stop();
});

test('the test pattern draws at the configured size and changes every frame', async () => {
  const frames = await collect(new TestPatternSource(camera({ source: 'testpattern', width: 200, height: 150, fps: 30 })), 3);
  for (const f of frames) assert.deepEqual(size(f), [200, 150]);
  assert.ok(!frames[0].equals(frames[1]));
});

test('the files source replays the bytes on disk unchanged, in name order, looping', async () => {
  const dir = makeJpegFolder(3, 64, 48);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a frame');
  const onDisk = fs.readdirSync(dir).filter((n) => n.endsWith('.jpg')).sort().map((n) => fs.readFileSync(path.join(dir, n)));
  const frames = await collect(new FilesSource(camera({ source: 'files', dir, fps: 200 })), 5);
  assert.ok(frames[0].equals(onDisk[0]) && frames[1].equals(onDisk[1]) && frames[2].equals(onDisk[2]) && frames[3].equals(onDisk[0]));
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-empty-'));
  await assert.rejects(new FilesSource(camera({ source: 'files', dir: empty })).start({ frame: () => {}, fail: () => {} }), /no JPEG files/);
});
