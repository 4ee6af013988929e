// The real CLI as a child process: exit codes and messages a user (and systemd) sees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor, writeConfig } from './helpers/camstream';
import { CLI, spawnServe } from './helpers/serve-child';
import { readStream } from './helpers/mjpeg-client';

const exec = promisify(execFile);

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 20000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('check-config: 0 for a good file, 78 naming every bad key for a bad one', async () => {
  const good = await run(['check-config', writeConfig({ camera: { fps: 10 } })]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /OK/);
  const bad = await run(['check-config', writeConfig({ stream: { maxClients: 'lots', maxClient: 3 } })]);
  assert.equal(bad.code, 78);
  assert.match(bad.stderr, /stream\.maxClients in .*: expected an integer 1\.\.1000, got "lots"/);
  assert.match(bad.stderr, /stream\.maxClient .*did you mean "stream\.maxClients"/);
});

test('serve exits 78 on a bad config and on a missing named file, before opening any port', async () => {
  const bad = await run(['serve', '--config', writeConfig({ server: { port: 'http' } })]);
  assert.equal(bad.code, 78);
  assert.match(bad.stderr, /server\.port/);
  const missing = await run(['--config', '/nonexistent/camstream.json']);
  assert.equal(missing.code, 78);
  assert.match(missing.stderr, /does not exist/);
  const env = await run([], { CAMSTREAM_CONFIG: writeConfig({}), CAMSTREAM_STREAM_QUEUE_SIZE: 'x' });
  assert.equal(env.code, 78);
  assert.match(env.stderr, /from env CAMSTREAM_STREAM_QUEUE_SIZE/);
});

test('camera rules the file decides (relay URL, GStreamer pipeline): check-config and serve exit 78 naming key, expected, got', async () => {
  const relay = writeConfig({ camera: { source: 'http', url: 'htp://viewer:hunter2@pi.local:8080/stream?token=t0k' } });
  for (const args of [['check-config', relay], ['serve', '--config', relay]]) {
    const r = await run(args);
    assert.equal(r.code, 78, `${args[0]}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /camera\.url: expected an http:\/\/ or https:\/\/ URL, got "htp:" in "htp:\/\/viewer:\*\*\*@pi\.local:8080\/stream\?token=\*\*\*"/);
    assert.doesNotMatch(r.stderr, /hunter2|t0k/, 'the secrets in the URL are not echoed');
  }
  const gst = await run(['check-config', writeConfig({ camera: { source: 'opencv', device: 'videotestsrc ! videoconvert' } })]);
  assert.equal(gst.code, 78, gst.stderr);
  assert.match(gst.stderr, /camera\.device: expected a GStreamer pipeline ending in "! appsink" .*got a pipeline ending in "videoconvert"/);
  // Rotation 90 with the Pi camera is no error: camstream turns its picture (README).
  const turned = await run(['check-config', writeConfig({ camera: { source: 'libcamera', rotation: 90 } })]);
  assert.equal(turned.code, 0, turned.stderr);
});

test('usage errors exit 64; --version and example-config print', async () => {
  assert.equal((await run(['frobnicate'])).code, 64);
  assert.match((await run(['--version'])).stdout, /^\d+\.\d+\.\d+\n$/);
  const ex = await run(['example-config']);
  assert.equal(ex.code, 0);
  assert.ok(JSON.parse(ex.stdout).stream.maxClients > 0);
});

test('SIGTERM with viewers connected: streams end, the camera is released, exit 0 within the deadline', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-cli-'));
  const cfg = writeConfig({ camera: { source: 'testpattern', width: 160, height: 120, fps: 15 }, server: { shutdownTimeoutMs: 2000 } }, dir);
  const { child, output, exited } = spawnServe(t, cfg);
  // Deadlines below only bound progress on a busy machine (loading OpenCV can take
  // seconds there); the shutdown deadline itself is checked on the server's own clock.
  const listening = await waitFor(() => /"port":(\d+)[^\n]*"msg":"listening"/.exec(output()), 60000, 'the "listening" line');
  const port = Number(listening[1]);
  // Two viewers, each holding the stream open.
  const counts = [0, 0];
  const viewers = [0, 1].map((i) => readStream(`http://127.0.0.1:${port}/stream`, { frames: 100000, timeoutMs: 120000, onPart: () => counts[i]++ }));
  // Streaming, not merely connected: a viewer the server has not served yet cannot show
  // how its stream ends (and under load "listening" comes well before the first frame).
  await waitFor(() => counts.every((c) => c > 3), 60000, 'both viewers to get frames');
  const t0 = Date.now();
  child.kill('SIGTERM');
  const code = await exited;
  const took = Date.now() - t0;
  // 0, not 1: the clean stop finished before the forced exit at shutdownTimeoutMs + 2 s.
  assert.equal(code, 0);
  assert.ok(took < 60000, `exited in ${took} ms`);
  // The streams end cleanly (a FIN, not a reset: readStream rejects on a reset).
  const results = await Promise.all(viewers);
  for (const r of results) assert.ok(r.parts.length > 3, 'each viewer had frames before the stream ended');
  const lines = output().trim().split('\n').map((line) => JSON.parse(line) as { msg: string; time: number }); // every log line is JSON
  const at = (msg: string) => lines.find((l) => l.msg === msg)?.time ?? NaN;
  const stopMs = at('stopped') - at('signal received');
  // Within the deadline, on the server's clock: stop ends open streams by shutdownTimeoutMs.
  assert.ok(stopMs < 2000 + 1000, `stopped ${stopMs} ms after the signal`);
  assert.ok(!lines.some((l) => l.msg === 'shutdown deadline passed; forcing exit'));
  assert.match(output(), /"msg":"stopped"/);
  assert.match(output(), /"msg":"viewer left"/);
});
