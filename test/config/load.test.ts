import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, KEYS } from '../../src/config/load';
import { exampleConfig } from '../../src/config/example';
import { configProblems } from '../helpers/config-problems';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-cfg-'));
function file(content: unknown): string {
  const f = path.join(tmp(), 'camstream.json');
  fs.writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}
const problems = configProblems;

test('defaults < file < env', () => {
  const f = file({ server: { port: 9000 }, camera: { fps: 10 } });
  const { config, file: used } = loadConfig({ path: f, env: { CAMSTREAM_CAMERA_FPS: '12.5', CAMSTREAM_STREAM_DROP_SAME_FRAMES: 'true' } });
  assert.equal(used, f);
  assert.equal(config.server.port, 9000);
  assert.equal(config.camera.fps, 12.5);
  assert.equal(config.stream.dropSameFrames, true);
  assert.equal(config.stream.maxClients, 20, 'default');
  assert.ok(Object.isFrozen(config.stream), 'frozen');
});

test('a missing default file means defaults and one note; a missing named file is an error', () => {
  const dir = tmp();
  const r = loadConfig({ env: {}, defaultPath: path.join(dir, 'absent.json') });
  assert.equal(r.file, null);
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0], /no config file/);
  assert.equal(r.config.server.port, 8080);

  const p = problems(() => loadConfig({ path: path.join(dir, 'nope.json'), env: {} }));
  assert.match(p[0], /nope\.json does not exist \(named by --config\)/);
  const q = problems(() => loadConfig({ env: { CAMSTREAM_CONFIG: path.join(dir, 'nope.json') } }));
  assert.match(q[0], /named by CAMSTREAM_CONFIG/);
});

test('every bad value is reported at once, each naming key, where, expected and got', () => {
  const f = file({
    server: { port: 70000, host: '' },
    camera: { source: 'webcam', quality: 'high', fps: 0 },
    stream: { maxClients: 'lots', dropSameFrames: 'yes', queueTimeoutMs: -1 },
    log: { level: 'loud' },
  });
  const p = problems(() => loadConfig({ path: f, env: { CAMSTREAM_STREAM_MAX_FPS: 'fast' } }));
  const expect: [string, RegExp][] = [
    ['server.port', /server\.port in .*: expected an integer 0\.\.65535, got 70000 \(number\)/],
    ['server.host', /server\.host in .*: expected a non-empty string, got "" \(string\)/],
    ['camera.source', /camera\.source in .*: expected one of .*"testpattern".*, got "webcam" \(string\)/],
    ['camera.quality', /camera\.quality in .*: expected an integer 1\.\.100, got "high" \(string\)/],
    ['camera.fps', /camera\.fps in .*: expected a number 0\.1\.\.240, got 0 \(number\)/],
    ['stream.maxClients', /stream\.maxClients in .*: expected an integer 1\.\.1000, got "lots" \(string\)/],
    ['stream.dropSameFrames', /stream\.dropSameFrames in .*: expected true or false, got "yes" \(string\)/],
    ['stream.queueTimeoutMs', /stream\.queueTimeoutMs in .*: expected an integer 0\.\.600000, got -1 \(number\)/],
    ['log.level', /log\.level in .*: expected one of .*"info".*, got "loud" \(string\)/],
    ['stream.maxFps', /stream\.maxFps from env CAMSTREAM_STREAM_MAX_FPS: expected a number 0\.1\.\.240, got "fast" \(string\)/],
  ];
  for (const [key, re] of expect) {
    assert.ok(p.some((l) => re.test(l)), `${key}: no line matching ${re} in\n${p.join('\n')}`);
  }
  assert.equal(p.length, expect.length, p.join('\n'));
});

test('unknown keys are errors with the closest known key suggested', () => {
  const f = file({ stream: { maxClient: 5 }, serverr: { port: 1 }, camera: { zzzzzzzz: 1 } });
  const p = problems(() => loadConfig({ path: f, env: {} }));
  assert.ok(p.some((l) => /stream\.maxClient in .*: unknown key \(did you mean "stream\.maxClients"\?\)/.test(l)), p.join('\n'));
  assert.ok(p.some((l) => /serverr\.port .*unknown key \(did you mean "server\.port"\?\)/.test(l)), p.join('\n'));
  assert.ok(p.some((l) => /camera\.zzzzzzzz .*unknown key$/.test(l)), 'no far-fetched suggestion');
});

test('a section that is not an object, bad JSON and a non-object file are clear errors', () => {
  assert.match(problems(() => loadConfig({ path: file({ stream: 5 }), env: {} })).join('\n'), /stream in .*: expected an object of settings, got 5 \(number\)/);
  assert.match(problems(() => loadConfig({ path: file('{ "server": '), env: {} }))[0], /not valid JSON/);
  assert.match(problems(() => loadConfig({ path: file('[1,2]'), env: {} }))[0], /expected a JSON object at the top level, got \[1,2\] \(array\)/);
});

test('keys that depend on each other are checked together', () => {
  const p = problems(() =>
    loadConfig({ path: file({ server: { maxConnections: 10 }, stream: { maxClients: 20, queueSize: 5 }, camera: { source: 'files', fourcc: 'MJPEG' } }), env: {} }),
  );
  assert.ok(p.some((l) => /server\.maxConnections: expected at least .* = 26 .*got 10/.test(l)), p.join('\n'));
  assert.ok(p.some((l) => /camera\.dir: expected a folder/.test(l)), p.join('\n'));
  assert.ok(p.some((l) => /camera\.fourcc: expected 4 characters/.test(l)), p.join('\n'));
});

test('camera rules the file decides are checked at load (exit 78), not at each camera start (a restart loop)', () => {
  const only = (camera: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => problems(() => loadConfig({ path: file({ camera }), env }));
  assert.deepEqual(only({ source: 'http', url: 'rtsp://admin:hunter2@cam/stream?token=t0k' }), [
    'camera.url: expected an http:// or https:// URL, got "rtsp:" in "rtsp://admin:***@cam/stream?token=***"',
  ]);
  assert.deepEqual(only({ source: 'http' }), ['camera.url: expected an http:// or https:// URL of an MJPEG stream when camera.source is "http", got ""']);
  // A URL that does not parse is not echoed (it may hold a password), from the file or from env.
  for (const p of [
    only({ source: 'http', url: 'http://admin:hunter2@cam local/stream?token=t0k' }),
    only({ source: 'http' }, { CAMSTREAM_CAMERA_URL: 'http://admin:hunter2@cam local/stream?token=t0k' }),
  ]) {
    assert.equal(p.length, 1, p.join('\n'));
    assert.match(p[0], /^camera\.url: expected an http:\/\/ or https:\/\/ URL of an MJPEG stream when camera\.source is "http", got a text that is not a URL \(47 characters, not shown: it may hold a password\)$/);
  }
  // A GStreamer pipeline OpenCV cannot read from; only its last element is shown.
  assert.deepEqual(only({ source: 'opencv', device: 'rtspsrc location=rtsp://u:hunter2@cam/s ! decodebin ! videoconvert' }), [
    'camera.device: expected a GStreamer pipeline ending in "! appsink" (OpenCV takes its frames from there), got a pipeline ending in "videoconvert"',
  ]);
  // What is fine: a good relay URL, a URL nobody uses, a pipeline with an appsink,
  // and rotation 90/270 for the Pi camera (named or chosen by auto: camstream turns it).
  const loads = (camera: Record<string, unknown>) => loadConfig({ path: file({ camera }), env: {} });
  assert.equal(loads({ source: 'http', url: 'https://u:p@cam.local/stream?action=stream' }).config.camera.source, 'http');
  assert.equal(loads({ source: 'testpattern', url: 'not a url' }).config.camera.url, 'not a url');
  assert.equal(loads({ source: 'opencv', device: 'videotestsrc ! videoconvert ! appsink drop=1' }).config.camera.source, 'opencv');
  for (const source of ['libcamera', 'auto']) for (const rotation of [90, 270]) assert.equal(loads({ source, rotation }).config.camera.rotation, rotation);
});

test('config/camstream.example.json is what the schema generates, documents every key and validates', () => {
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'config', 'camstream.example.json'), 'utf8');
  assert.equal(committed, exampleConfig(), 'regenerate it: node dist/src/cli.js example-config > config/camstream.example.json');
  const parsed = JSON.parse(committed);
  for (const key of KEYS.keys()) {
    const parts = key.split('.');
    const leaf = parts.pop()!;
    const section = parts.reduce((o, k) => o[k], parsed);
    assert.ok(leaf in section, `${key} is in the example`);
    assert.ok(typeof section[`//${leaf}`] === 'string' && section[`//${leaf}`].length > 20, `${key} is documented`);
  }
  const { config } = loadConfig({ path: path.join(__dirname, '..', '..', '..', 'config', 'camstream.example.json'), env: {} });
  assert.equal(config.server.port, 8080);
});
