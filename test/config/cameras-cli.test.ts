// The real CLI with a cameras section: check-config lists the cameras, and a
// camera's mistake stops check-config and serve with exit 78 naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeConfig } from '../helpers/camstream';
import { CLI } from '../helpers/serve-child';
import { runTool } from '../helpers/run-tool';

const cli = async (args: string[]) => {
  const r = await runTool(process.execPath, [CLI, ...args], { timeoutMs: 60000, env: { PATH: process.env.PATH } });
  assert.ok(!r.timedOut, `camstream ${args.join(' ')} timed out`);
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
};

test('check-config prints each camera, index, name and source; the single form prints as before', async () => {
  const example = path.join(__dirname, '..', '..', '..', 'config', 'camstream.two-cameras.example.json');
  const two = await cli(['check-config', example]);
  assert.equal(two.code, 0, two.stderr);
  assert.equal(
    two.stdout,
    `${example}: OK\n  camera 0 front: libcamera, Pi camera 0\n  camera 1 nozzle: opencv /dev/v4l/by-id/usb-046d_C270_HD_WEBCAM_2D4AA0A0-video-index0\n`,
  );
  const secret = await cli(['check-config', writeConfig({ cameras: { relay: { source: 'http', url: 'http://viewer:hunter2@pi.local/stream' }, gst: { source: 'opencv', device: 'rtspsrc location=rtsp://u:hunter2@cam ! decodebin ! appsink' } } })]);
  assert.equal(secret.code, 0, secret.stderr);
  assert.match(secret.stdout, /camera 0 relay: http http:\/\/viewer:\*\*\*@pi\.local\/stream\n {2}camera 1 gst: opencv, a GStreamer pipeline\n$/);
  assert.doesNotMatch(secret.stdout, /hunter2/, 'no secret is printed');
  const single = writeConfig({ camera: { source: 'testpattern' } });
  const one = await cli(['check-config', single]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, `${single}: OK\n`);
});

test('a camera mistake: check-config and serve exit 78 naming the camera key, expected and got', async () => {
  const bad = writeConfig({ cameras: { front: { source: 'libcamera' }, nozzle: { source: 'testpattern', fps: 500 }, 'Bad Name': { source: 'testpattern' } } });
  for (const args of [['check-config', bad], ['serve', '--config', bad]]) {
    const r = await cli(args);
    assert.equal(r.code, 78, `${args[0]}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /cameras\.nozzle\.fps in .*: expected a number 0\.1\.\.240, got 500 \(number\)/);
    assert.match(r.stderr, /cameras\.Bad Name in .*: expected a camera name/);
  }
  const clash = await cli(['check-config', writeConfig({ cameras: { a: { source: 'opencv', device: '/dev/video3' }, b: { source: 'opencv', device: '3' } } })]);
  assert.equal(clash.code, 78);
  assert.match(clash.stderr, /cameras\.b\.device: expected a device no other camera opens .*got "3" \(string\) \(\/dev\/video3\), which cameras\.a opens too/);
});
