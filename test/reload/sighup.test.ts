// Config reload on a real `camstream serve` child: SIGHUP through `camstream reload`
// (the unit's ExecReload=), with real viewers connected across it. What each test
// shows is in its name; the systemd side (systemctl reload) is in
// test/appliance/reload.test.ts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { hashPassword } from '../../src/auth/scrypt';
import { cv } from '../../src/capture/cv';
import { waitFor, writeConfig, type Overrides } from '../helpers/camstream';
import { CLI, spawnServe, type ServeChild } from '../helpers/serve-child';
import { watchStream, type StreamWatcher, type WatchOptions } from '../helpers/stream-watcher';
import { basic } from '../helpers/raw-http';
import { selfSignedCert } from '../helpers/self-signed-cert';

const run = promisify(execFile);

interface Served extends ServeChild {
  port: number;
  runDir: string;
  /** Replace the config file (same folder, so the server re-reads this one). */
  rewrite(cfg: Overrides): void;
  /** `camstream reload --pid <child>`: exit code and output. */
  reload(): Promise<{ code: number; stdout: string; stderr: string }>;
}

async function serve(t: TestContext, cfg: Overrides): Promise<Served> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-reload-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const runDir = path.join(dir, 'run');
  fs.mkdirSync(runDir, { mode: 0o700 });
  const file = writeConfig(cfg, dir);
  const child = spawnServe(t, file, { PATH: process.env.PATH, RUNTIME_DIRECTORY: runDir });
  const listening = await waitFor(() => /"port":(\d+)[^\n]*"msg":"listening"/.exec(child.output()), 20000, 'the "listening" line');
  return {
    ...child,
    port: Number(listening[1]),
    runDir,
    rewrite: (next) => void writeConfig(next, dir),
    async reload() {
      try {
        const r = await run(process.execPath, [CLI, 'reload', '--pid', String(child.child.pid)], { env: { PATH: process.env.PATH, RUNTIME_DIRECTORY: runDir }, timeout: 60000 });
        return { code: 0, stdout: r.stdout, stderr: r.stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Live (camera) frames per second the viewer received over the next `ms`. */
async function liveRate(w: StreamWatcher, ms: number): Promise<number> {
  const from = w.parts.length;
  const t0 = Date.now();
  await sleep(ms);
  const n = w.parts.slice(from).filter((p) => !p.noSignal).length;
  return (n * 1000) / (Date.now() - t0);
}

async function status(base: string, opts: RequestInit = {}): Promise<any> {
  return (await fetch(`${base}/api/status`, opts)).json();
}

/** Index of the last camera (not NO SIGNAL) frame, or -1. */
function lastLive(parts: StreamWatcher['parts']): number {
  for (let i = parts.length - 1; i >= 0; i--) if (!parts[i].noSignal) return i;
  return -1;
}

const size = (jpeg: Buffer) => {
  const m = cv().imdecode(jpeg);
  const s = `${m.cols}x${m.rows}`;
  m.release(); // not left to the finaliser, which can crash the process at exit
  return s;
};

test('reload: camera fps 15 -> 5 and size 320x240 -> 160x120; the viewer stays connected, sees NO SIGNAL in the gap, then the new rate and size', async (t) => {
  const camera = { source: 'testpattern', width: 320, height: 240, fps: 15, quality: 60 };
  const s = await serve(t, { camera });
  const base = `http://127.0.0.1:${s.port}`;
  const w = await watchStream(`${base}/stream`);
  t.after(() => w.close());
  await waitFor(() => w.parts.some((p) => !p.noSignal), 15000, 'first live frame');
  const before = await liveRate(w, 3000);

  s.rewrite({ camera: { ...camera, fps: 5 } });
  const markFps = w.parts.length;
  const r = await s.reload();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /configuration reloaded \(changed: camera\.fps\)/);
  assert.match(r.stdout, /camera restarted, picture back after \d+ ms/);
  const after = await liveRate(w, 4000);
  t.diagnostic(`live fps before ${before.toFixed(1)}, after ${after.toFixed(1)}; reload said: ${r.stdout.trim().split('\n').pop()}`);
  assert.equal(w.ended, false, 'the viewer kept its connection');
  assert.ok(before > 8, `about 15 fps before (${before.toFixed(1)})`);
  assert.ok(after <= 6.5, `at most about 5 fps after (${after.toFixed(1)})`);
  // In the gap: NO SIGNAL, between the old camera's frames and the new one's.
  const firstNoSignal = w.parts.findIndex((p, i) => i >= markFps && p.noSignal);
  assert.ok(firstNoSignal >= 0, 'a NO SIGNAL frame in the gap');
  const lastOld = lastLive(w.parts.slice(0, firstNoSignal));
  const firstNew = w.parts.findIndex((p, i) => i > firstNoSignal && !p.noSignal);
  assert.ok(lastOld >= 0 && firstNew > firstNoSignal);
  t.diagnostic(`picture gap seen by the viewer (fps change): ${w.parts[firstNew].at - w.parts[lastOld].at} ms`);
  const st = await status(base);
  assert.equal(st.targetFps, 5);
  assert.deepEqual(st.config.lastReload.changed, ['camera.fps']);

  s.rewrite({ camera: { ...camera, fps: 5, width: 160, height: 120 } });
  const markSize = w.parts.length;
  const r2 = await s.reload();
  assert.equal(r2.code, 0, r2.stderr);
  const newFrame = await waitFor(() => w.parts.find((p, i) => i > markSize && !p.noSignal && size(p.body) === '160x120'), 15000, 'a live 160x120 frame');
  const gapFrames = w.parts.slice(markSize, w.parts.indexOf(newFrame));
  const noSignal = gapFrames.find((p) => p.noSignal);
  assert.ok(noSignal, 'NO SIGNAL between the two sizes');
  assert.equal(size(noSignal.body), '160x120', 'NO SIGNAL is drawn at the new size');
  // Every live frame after the first new one is the new size.
  await waitFor(() => w.parts.length > w.parts.indexOf(newFrame) + 3, 10000, 'three more frames');
  for (const p of w.parts.slice(w.parts.indexOf(newFrame))) assert.equal(size(p.body), '160x120');
  const lastOld2 = lastLive(gapFrames);
  t.diagnostic(`picture gap seen by the viewer (size change): ${newFrame.at - (lastOld2 >= 0 ? gapFrames[lastOld2].at : w.parts[markSize - 1].at)} ms`);
  assert.equal(w.ended, false, 'still connected after the size change');
  assert.match(s.output(), /"gapMs":\d+[^\n]*"msg":"camera restarted with the new settings"/);
});

test('reload with a bad file changes nothing: every error is logged naming its key, `camstream reload` exits 78, the viewer carries on', async (t) => {
  const camera = { source: 'testpattern', width: 160, height: 120, fps: 10, quality: 60 };
  const s = await serve(t, { camera, stream: { maxClients: 4 } });
  const base = `http://127.0.0.1:${s.port}`;
  const w = await watchStream(`${base}/stream`);
  t.after(() => w.close());
  await waitFor(() => w.parts.length > 2, 15000, 'frames');
  s.rewrite({ camera: { ...camera, fps: -3 }, stream: { maxClients: 'lots' } });
  const r = await s.reload();
  assert.equal(r.code, 78, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /camera\.fps/);
  assert.match(r.stderr, /stream\.maxClients/);
  const errorLines = s.output().split('\n').filter((l) => l.includes('reload refused, running configuration kept'));
  assert.ok(errorLines.some((l) => l.includes('camera.fps') && l.includes('"level":50')), errorLines.join('\n'));
  assert.ok(errorLines.some((l) => l.includes('stream.maxClients')), errorLines.join('\n'));
  const st = await status(base);
  assert.equal(st.slots.max, 4, 'old limits in force');
  assert.equal(st.targetFps, 10, 'old camera settings in force');
  assert.equal(st.config.lastReload.ok, false);
  assert.equal(st.source.restarts, 0, 'the camera was not touched');
  const n = w.parts.length;
  await waitFor(() => w.parts.length > n + 3, 10000, 'frames after the refused reload');
  assert.equal(w.ended, false);
  assert.equal(w.parts.slice(n).filter((p) => p.noSignal).length, 0, 'no NO SIGNAL: the camera did not restart');
  // Invalid JSON too.
  fs.writeFileSync(path.join(path.dirname(s.runDir), 'camstream.json'), '{"stream": {');
  const r2 = await s.reload();
  assert.equal(r2.code, 78);
  assert.match(r2.stderr, /not valid JSON/);
});

test('reload of stream limits: a lowered maxClients keeps viewers already watching and refuses newcomers until under it; a lowered maxFps re-caps viewers at once', async (t) => {
  const camera = { source: 'testpattern', width: 160, height: 120, fps: 20, quality: 50 };
  const s = await serve(t, { camera, stream: { maxClients: 3, queueSize: 0, maxFps: 30 } });
  const base = `http://127.0.0.1:${s.port}`;
  const a = await watchStream(`${base}/stream`);
  const b = await watchStream(`${base}/stream?fps=10`);
  t.after(() => (a.close(), b.close()));
  await waitFor(() => a.parts.length > 3 && b.parts.length > 3, 15000, 'both streaming');
  s.rewrite({ camera, stream: { maxClients: 1, queueSize: 0, maxFps: 4 } });
  const r = await s.reload();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /stream\.maxClients, stream\.maxFps/);
  const ra = await liveRate(a, 4000);
  const rb = await liveRate(b, 4000);
  t.diagnostic(`after maxFps 30 -> 4: ${ra.toFixed(1)} and ${rb.toFixed(1)} fps (?fps=10)`);
  assert.ok(ra <= 5 && rb <= 5, `both capped at about 4 fps: ${ra.toFixed(1)}, ${rb.toFixed(1)}`);
  assert.ok(ra > 0 && rb > 0);
  assert.equal(a.ended || b.ended, false, 'viewers over the lowered cap keep watching');
  const st = await status(base);
  assert.equal(st.slots.max, 1);
  assert.equal(st.slots.used, 2);
  assert.deepEqual(st.viewers.map((v: { maxFps: number }) => v.maxFps).sort(), [4, 4]);
  const refused = await fetch(`${base}/stream`);
  assert.equal(refused.status, 503, 'a newcomer is refused while 2 watch and the cap is 1');
  await refused.body?.cancel();
  a.close();
  b.close();
  await waitFor(async () => (await status(base)).slots.used === 0, 5000, 'slots freed');
  const c = await watchStream(`${base}/stream`);
  t.after(() => c.close());
  assert.equal(c.status, 200, 'under the cap again: a newcomer gets in');
});

test('reload: server.port and uvThreadpoolSize wait for a restart (log and /api/status say so); log level, metrics and frame-ancestors apply at once', async (t) => {
  const camera = { source: 'testpattern', width: 160, height: 120, fps: 10, quality: 50 };
  const s = await serve(t, { camera, metrics: { enabled: false } });
  const base = `http://127.0.0.1:${s.port}`;
  assert.equal((await fetch(`${base}/metrics`)).status, 404);
  assert.match((await fetch(`${base}/`)).headers.get('content-security-policy') ?? '', /frame-ancestors 'self'/);
  const joined = () => s.output().split('\n').filter((l) => l.includes('"msg":"viewer joined"')).length;
  const w1 = await watchStream(`${base}/stream`);
  w1.close();
  await waitFor(() => joined() === 1, 5000, '"viewer joined" at level info');
  s.rewrite({ camera, server: { port: s.port + 1 }, uvThreadpoolSize: 2, metrics: { enabled: true }, log: { level: 'warn' }, http: { frameAncestors: ['http://ha.local:8123'] } } as unknown as Overrides);
  const r = await s.reload();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /waiting for a restart \(systemctl restart camstream\): server\.port, uvThreadpoolSize/);
  assert.match(s.output(), /"pendingRestart":\["server\.port","uvThreadpoolSize"\][^\n]*not applied until camstream restarts/);
  // Asked on the old port: still listening there.
  const st = await status(base);
  assert.deepEqual(st.config.pendingRestart, ['server.port', 'uvThreadpoolSize']);
  const m = await fetch(`${base}/metrics`);
  assert.equal(m.status, 200, 'metrics switched on');
  assert.match(await m.text(), /camstream_/);
  assert.match((await fetch(`${base}/`)).headers.get('content-security-policy') ?? '', /frame-ancestors http:\/\/ha\.local:8123/);
  // log.level warn reaches module loggers made before the reload (the viewers' child).
  const w2 = await watchStream(`${base}/stream`);
  await waitFor(() => w2.parts.length > 1, 10000, 'frames to the second viewer');
  w2.close();
  await waitFor(async () => (await status(base)).viewers.length === 0, 5000, 'the second viewer gone');
  assert.equal(joined(), 1, 'no info lines at level warn');
});

test('reload with access control on (users, a token, TLS, allow-list): removing a user cuts that user\'s stream within a second, others carry on; an address removed from server.allow is cut', async (t) => {
  const tls = selfSignedCert();
  t.after(() => fs.rmSync(tls.dir, { recursive: true, force: true }));
  const ca = fs.readFileSync(tls.cert);
  const camera = { source: 'testpattern', width: 160, height: 120, fps: 10, quality: 50 };
  const ana = { name: 'ana', passwordHash: await hashPassword('reload-password-1') };
  const bo = { name: 'bo', passwordHash: await hashPassword('reload-password-2') };
  const token = { name: 'nvr', token: 'nvr-token-0123456789abcdef' };
  const secured = (users: object[], allow: string[]) => ({ camera, server: { tls: { cert: tls.cert, key: tls.key }, allow }, auth: { users, tokens: [token] } });
  const s = await serve(t, secured([ana, bo], ['127.0.0.1', '127.0.0.2']));
  const base = `https://127.0.0.1:${s.port}`;
  const as = (who: WatchOptions) => watchStream(`${base}/stream`, { ca, ...who });
  const wAna = await as({ headers: { Authorization: basic('ana', 'reload-password-1') } });
  const wBo = await as({ headers: { Authorization: basic('bo', 'reload-password-2') } });
  const wNvr = await as({ headers: { Authorization: `Bearer ${token.token}` } });
  const wFar = await as({ headers: { Authorization: `Bearer ${token.token}` }, localAddress: '127.0.0.2' });
  const all = [wAna, wBo, wNvr, wFar];
  t.after(() => all.forEach((w) => w.close()));
  for (const w of all) assert.equal(w.status, 200);
  await waitFor(() => all.every((w) => w.parts.length > 1), 15000, 'all four streaming');

  s.rewrite(secured([bo], ['127.0.0.1', '127.0.0.2']));
  const t0 = Date.now();
  const r = await s.reload();
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => wAna.ended, 1000, "ana's stream to end within a second of the reload");
  t.diagnostic(`ana's stream ended ${Date.now() - t0} ms after the reload command started`);
  const n = wBo.parts.length;
  await waitFor(() => wBo.parts.length > n + 2, 10000, "bo's frames after the reload");
  assert.equal(wBo.ended || wNvr.ended || wFar.ended, false, 'the others carry on');
  const refused = await watchStream(`${base}/stream`, { ca, headers: { Authorization: basic('ana', 'reload-password-1') } }).catch((e: Error) => e);
  assert.match(String(refused), /not a multipart stream: 401/, 'ana can no longer log in');

  s.rewrite(secured([bo], ['127.0.0.1']));
  const r2 = await s.reload();
  assert.equal(r2.code, 0, r2.stderr);
  await waitFor(() => wFar.ended, 1000, 'the 127.0.0.2 stream to end');
  const m = wNvr.parts.length;
  await waitFor(() => wNvr.parts.length > m + 2, 10000, 'the 127.0.0.1 token stream carries on');
  assert.equal(wBo.ended || wNvr.ended, false);
  assert.match(s.output(), /"reason":"user or token no longer in auth \(config reload\)"/);
  assert.match(s.output(), /"reason":"address no longer in server.allow \(config reload\)"/);
});
