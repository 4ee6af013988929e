// `systemctl reload camstream` under a real systemd (Debian 12's 252, the oldest
// systemd camstream supports and the one without Type=notify-reload): the shipped unit,
// unchanged, runs this checkout as user camstream with its whole sandbox, and a viewer
// on the host watches across reloads.
//
// Fast on purpose: see test/helpers/host-usr-container.ts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { hashPassword } from '../../src/auth/scrypt';
import { cv } from '../../src/capture/cv';
import { bootHostUsr, freePort, hostUsrUnavailable } from '../helpers/host-usr-container';
import { watchStream, type StreamWatcher, type WatchOptions } from '../helpers/stream-watcher';
import { basic } from '../helpers/raw-http';
import { selfSignedCert } from '../helpers/self-signed-cert';

const unavailable = hostUsrUnavailable();
if (unavailable) process.stderr.write(`\n*** SKIPPING the systemctl reload container test: ${unavailable} ***\n\n`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const size = (jpeg: Buffer) => {
  const m = cv().imdecode(jpeg);
  const s = `${m.cols}x${m.rows}`;
  m.release(); // not left to the finaliser, which can crash the process at exit
  return s;
};
async function liveRate(w: StreamWatcher, ms: number): Promise<number> {
  const from = w.parts.length;
  const t0 = Date.now();
  await sleep(ms);
  return (w.parts.slice(from).filter((p) => !p.noSignal).length * 1000) / (Date.now() - t0);
}
async function until<T>(what: string, ms: number, fn: () => T | Promise<T>): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

test('systemctl reload under systemd: applied with viewers connected, a bad file fails the reload and changes nothing, works with access control on', { skip: unavailable ?? false, timeout: 30 * 60_000 }, async (t: TestContext) => {
  const port = await freePort();
  const c = await bootHostUsr(t, 'camstream-reload');
  t.diagnostic(`systemd in the container: ${(await c.ok('systemctl --version | head -1')).trim()}`);

  const U = 'camstream';
  const writeConfig = (cfg: object) =>
    c.ok(`echo ${Buffer.from(JSON.stringify(cfg, null, 1)).toString('base64')} | base64 -d >/etc/camstream.json && chown root:camstream /etc/camstream.json && chmod 640 /etc/camstream.json`);
  const journal = (since: string) => c.ok(`journalctl -u ${U} --no-pager -o cat --since '${since}'`, { timeoutMs: 20000 });
  const now = async () => (await c.ok(`date '+%Y-%m-%d %H:%M:%S'`)).trim();
  const mainPid = async () => Number(await c.prop(U, 'MainPID'));
  const camera = { source: 'testpattern', width: 320, height: 240, fps: 15, quality: 60 };
  const server = { host: '0.0.0.0', port };

  // As install.sh sets it up: the unit as shipped.
  await writeConfig({ server, camera });
  await c.ok('cp /opt/camstream/systemd/camstream.service /etc/systemd/system/ && systemctl daemon-reload && systemctl start camstream', { timeoutMs: 90000 });
  const base = `http://127.0.0.1:${port}`;
  try {
    await until('a live /healthz', 30000, async () => (await fetch(`${base}/healthz`).catch(() => null))?.status === 200);
  } catch (err) {
    throw new Error(`${(err as Error).message}:\n${(await c.run(`systemctl status ${U} --no-pager -n 40`)).output}`);
  }

  await t.test('reload changing camera fps 15 -> 5, then the size: the viewer keeps its connection, its rate drops, frames come at the new size', async () => {
    const w = await watchStream(`${base}/stream`);
    t.after(() => w.close());
    const pid = await mainPid();
    const before = await liveRate(w, 3000);
    await writeConfig({ server, camera: { ...camera, fps: 5 } });
    const r = await c.run('systemctl reload camstream', { timeoutMs: 90000 });
    assert.equal(r.code, 0, r.output);
    // systemctl returned: the change is applied, so the rate is already the new one.
    const after = await liveRate(w, 4000);
    t.diagnostic(`live fps before ${before.toFixed(1)}, after ${after.toFixed(1)} (systemctl reload took ${r.ms} ms)`);
    assert.ok(before > 8, `about 15 fps before: ${before.toFixed(1)}`);
    assert.ok(after <= 6.5, `about 5 fps after: ${after.toFixed(1)}`);
    assert.equal(w.ended, false, 'the viewer kept its connection');
    assert.ok(w.parts.some((p) => p.noSignal), 'NO SIGNAL in the gap');
    assert.equal(await mainPid(), pid, 'same process');
    assert.equal(await c.prop(U, 'ActiveState'), 'active');

    await writeConfig({ server, camera: { ...camera, fps: 5, width: 160, height: 120 } });
    const mark = w.parts.length;
    const r2 = await c.run('systemctl reload camstream', { timeoutMs: 90000 });
    assert.equal(r2.code, 0, r2.output);
    await until('a live 160x120 frame', 15000, () => w.parts.slice(mark).some((p) => !p.noSignal && size(p.body) === '160x120'));
    assert.equal(w.ended, false);
    const status = (await (await fetch(`${base}/api/status`)).json()) as { resolution: { width: number } };
    assert.equal(status.resolution.width, 160);
    w.close();
  });

  await t.test('a bad file: systemctl reload exits non-zero, systemctl status and the journal name the key, service and viewer carry on', async () => {
    const w = await watchStream(`${base}/stream`);
    t.after(() => w.close());
    await until('frames', 15000, () => w.parts.length > 2);
    const pid = await mainPid();
    const since = await now();
    await writeConfig({ server, camera: { ...camera, fps: -3 }, stream: { maxClients: 'lots' } });
    const r = await c.run('systemctl reload camstream', { timeoutMs: 90000 });
    assert.notEqual(r.code, 0, `systemctl reload must fail:\n${r.output}`);
    t.diagnostic(`systemctl reload said: ${r.output.trim()}`);
    const st = await c.run('systemctl status camstream --no-pager -n 20');
    assert.match(st.output, /camera\.fps/, `systemctl status shows the reason:\n${st.output}`);
    assert.match(st.output, /Active: active \(running\)/);
    const j = await journal(since);
    assert.match(j, /reload refused, running configuration kept: camera\.fps/);
    assert.match(j, /stream\.maxClients/);
    assert.equal(await mainPid(), pid);
    const n = w.parts.length;
    await until('frames after the failed reload', 10000, () => w.parts.length > n + 3);
    assert.equal(w.ended, false);
    assert.equal(w.parts.slice(n).filter((p) => p.noSignal).length, 0, 'the camera was not restarted');
    w.close();
  });

  await t.test('with access control on (users, TLS, allow-list): reload works the same; a removed user\'s stream is cut, the others carry on', async () => {
    const tls = selfSignedCert();
    t.after(() => fs.rmSync(tls.dir, { recursive: true, force: true }));
    for (const f of ['cert', 'key'] as const) {
      await c.ok(`mkdir -p /etc/camstream-tls && echo ${fs.readFileSync(tls[f]).toString('base64')} | base64 -d >/etc/camstream-tls/${f}.pem && chown root:camstream /etc/camstream-tls/${f}.pem && chmod 640 /etc/camstream-tls/${f}.pem`);
    }
    const ana = { name: 'ana', passwordHash: await hashPassword('box-password-1') };
    const bo = { name: 'bo', passwordHash: await hashPassword('box-password-2') };
    const secured = (users: object[], fps: number) => ({
      server: { ...server, allow: ['127.0.0.0/8'], tls: { cert: '/etc/camstream-tls/cert.pem', key: '/etc/camstream-tls/key.pem' } },
      camera: { ...camera, fps },
      auth: { users },
    });
    await writeConfig(secured([ana, bo], 10));
    // TLS is read at start-up: this one takes a restart (the reload would say so).
    await c.ok('systemctl restart camstream', { timeoutMs: 90000 });
    const ca = fs.readFileSync(tls.cert);
    const sbase = `https://127.0.0.1:${port}`;
    const as = (o: WatchOptions) => watchStream(`${sbase}/stream`, { ca, ...o });
    const wAna = await until('the TLS server to stream', 30000, () => as({ headers: { Authorization: basic('ana', 'box-password-1') } }).catch(() => null));
    const wBo = await as({ headers: { Authorization: basic('bo', 'box-password-2') } });
    t.after(() => (wAna.close(), wBo.close()));
    await until('both streaming', 15000, () => wAna.parts.length > 1 && wBo.parts.length > 1);
    await writeConfig(secured([bo], 5));
    const r = await c.run('systemctl reload camstream', { timeoutMs: 90000 });
    assert.equal(r.code, 0, r.output);
    await until("ana's stream to end", 1000, () => wAna.ended);
    const n = wBo.parts.length;
    await until("bo's frames", 10000, () => wBo.parts.length > n + 2);
    assert.equal(wBo.ended, false, 'bo carries on through a reload that also restarted the camera');
    await writeConfig({ ...secured([bo], 5), stream: { maxClients: 'lots' } });
    const bad = await c.run('systemctl reload camstream', { timeoutMs: 90000 });
    assert.notEqual(bad.code, 0, 'a bad file fails the reload with access control on too');
    const m = wBo.parts.length;
    await until("bo's frames after the failed reload", 10000, () => wBo.parts.length > m + 2);
    assert.equal(await c.prop(U, 'ActiveState'), 'active');
  });
});
