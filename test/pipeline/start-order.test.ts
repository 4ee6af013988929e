// Start-up order (issue 14: start to first frame): the cameras start before the HTTP
// layer's modules load, so a camera program's own start-up (rpicam-vid ~1 s on a Pi)
// overlaps with Node loading Koa and the routes. And when the port then cannot be
// opened, the camera programs already started must not outlive camstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { waitFor, writeConfig } from '../helpers/camstream';
import { spawnServe } from '../helpers/serve-child';
import { standin } from '../helpers/standin';

const camera = { source: 'libcamera', width: 320, height: 240, fps: 10 };

/** Pids of processes whose environment holds `entry` (each test's stand-in state folder is its own). */
function processesWithEnv(entry: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(entry)) out.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

test('the camera program is started before the HTTP layer loads and listens', async (t) => {
  const s = standin(t, ['pi']);
  const serve = spawnServe(t, writeConfig({ server: { host: '127.0.0.1', port: 0 }, camera }), s.env);
  await waitFor(() => /"msg":"listening"/.test(serve.output()), 30000, 'listening');
  const lines = serve.output().split('\n');
  const started = lines.findIndex((l) => l.includes('"msg":"starting camera process"'));
  const listening = lines.findIndex((l) => l.includes('"msg":"listening"'));
  assert.ok(started >= 0, 'the camera was started');
  assert.ok(started < listening, `camera started (line ${started}) before the port was open (line ${listening})`);
  serve.child.kill('SIGTERM');
  assert.equal(await serve.exited, 0);
});

test('a port that cannot be opened: camstream exits and the camera it started is stopped', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  const s = standin(t, ['pi']);
  const serve = spawnServe(t, writeConfig({ server: { host: '127.0.0.1', port }, camera }), s.env);
  const code = await Promise.race([serve.exited, new Promise((r) => setTimeout(() => r('timeout'), 30000))]);
  assert.notEqual(code, 0, serve.output());
  assert.notEqual(code, 'timeout', `camstream did not exit:\n${serve.output()}`);
  assert.match(serve.output(), /EADDRINUSE/);
  assert.ok(s.runs('rpicam-vid').length >= 1, 'the camera had been started');
  await waitFor(() => processesWithEnv(`STANDIN_STATE=${s.state}`).length === 0, 10000, 'no stand-in camera left running after camstream exited');
});
