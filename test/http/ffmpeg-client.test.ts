// ffmpeg, a real MJPEG client (what Frigate, go2rtc and many NVRs use), reads the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer } from '../helpers/camstream';

const run = promisify(execFile);

test('ffmpeg reads 30 frames from /stream', async (t) => {
  const { base } = await startServer(t, { camera: { source: 'testpattern', width: 320, height: 240, fps: 30 } });
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostats', '-i', `${base}/stream`, '-frames:v', '30', '-f', 'null', '-'], { timeout: 30000 });
  assert.match(stderr, /Stream #0:0.*mjpeg.*320x240/);
  assert.match(stderr, /frame=\s*30\b/);
});
