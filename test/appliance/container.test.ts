// The appliance end to end, under a real systemd: boot a Debian 13 (Trixie, the base of
// Raspberry Pi OS) container with systemd as PID 1, run scripts/install.sh from this
// checkout as a user would, and drive the installed service the way life will: a
// client streams from the host, the process is killed, frozen, misconfigured, stopped,
// upgraded (good and broken, with access control off and on) and uninstalled.
//
// One install (apt + the OpenCV addon's compile: minutes) serves every check. Apt
// packages and the npm cache are kept under /var/cache/camstream-test between runs.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Container, ensureRootfs, freePort, nspawnUnavailable } from '../helpers/nspawn';
import { isJpeg, readStream } from '../helpers/mjpeg-client';
import { basic, probe, rawRequest } from '../helpers/raw-http';
import { httpsGet, selfSignedCert } from '../helpers/self-signed-cert';
import { watchStream } from '../helpers/stream-watcher';
import { jpegSize } from '../../src/hub/frame';

const REPO = path.resolve(__dirname, '..', '..', '..');
const CACHE = process.env.CAMSTREAM_TEST_CACHE ?? '/var/cache/camstream-test';
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';
const unavailable = nspawnUnavailable();
if (unavailable) {
  // Loud on purpose: CI runs as root with systemd-container installed, so it never skips.
  process.stderr.write(`\n*** SKIPPING the systemd container test: ${unavailable} ***\n\n`);
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('appliance: install.sh, the unit, restarts, watchdog, bad config, upgrade, rollback, uninstall under systemd', { skip: unavailable ?? false, timeout: 60 * 60_000 }, async (t: TestContext) => {
  const timings: [string, number][] = [];
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await fn();
    } finally {
      const ms = Date.now() - start;
      timings.push([name, ms]);
      t.diagnostic(`phase ${name}: ${(ms / 1000).toFixed(1)} s`);
    }
  };
  t.after(() => {
    const lines = timings.map(([n, ms]) => `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${n}`);
    process.stderr.write(`\ncontainer test timings:\n${lines.join('\n')}\n  ${(timings.reduce((a, [, ms]) => a + ms, 0) / 1000).toFixed(1).padStart(7)} s  total\n`);
  });

  const rootfs = await phase('rootfs (debootstrap trixie, cached)', async () => ensureRootfs(REPO, 'trixie', 15 * 60_000));
  for (const d of ['apt-archives/partial', 'npm']) fs.mkdirSync(path.join(CACHE, d), { recursive: true });
  const port = await freePort();
  t.diagnostic(`service port ${port}`);

  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    SYSTEMD_PAGER: 'cat',
    SYSTEMD_COLORS: '0',
    JOBS: '2',
  };
  const bindRo: Record<string, string> = { [REPO]: '/src' };
  if (fs.existsSync(HOST_CA)) {
    // Test-only: these build machines trust an extra CA for HTTPS (the npm registry);
    // a real Pi needs none of this and install.sh knows nothing about it.
    bindRo[HOST_CA] = '/srv/host-ca.crt';
    env.NODE_EXTRA_CA_CERTS = '/srv/host-ca.crt';
  }
  const c = await phase('boot container', () =>
    Container.boot({
      rootfs,
      name: `camstream-t${process.pid}`,
      bindRo,
      bind: { [path.join(CACHE, 'apt-archives')]: '/var/cache/apt/archives', [path.join(CACHE, 'npm')]: '/root/.npm' },
      env,
      // One log per run: poweroff() finds the snapshot to delete in it, so two runs at
      // once sharing one log could delete each other's live container.
      logFile: path.join(CACHE, `nspawn-camstream-e2e-${process.pid}.log`),
    }),
  );
  t.after(() => c.poweroff());

  const U = 'camstream';
  const base = `http://127.0.0.1:${port}`;
  const mainPid = async () => Number(await c.prop(U, 'MainPID'));
  const restarts = async () => Number(await c.prop(U, 'NRestarts'));
  const journal = async (since?: string) => c.ok(`journalctl -u ${U} --no-pager -o cat${since ? ` --since '${since}'` : ''}`, { timeoutMs: 20000 });
  const nowInContainer = async () => (await c.ok(`date '+%Y-%m-%d %H:%M:%S'`)).trim();
  const healthy = async () => {
    try {
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(3000) });
      return r.status === 200;
    } catch {
      return false;
    }
  };
  const threeFrames = async () => {
    const r = await readStream(`${base}/stream`, { frames: 3, timeoutMs: 15000 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.parts.length, 3);
    for (const p of r.parts) assert.ok(isJpeg(p.body), 'every part is a whole JPEG (FFD8…FFD9)');
  };

  await t.test('fresh install: install.sh --port writes the config, builds with production deps only, starts the service', async () => {
    const r = await phase('install.sh (fresh: apt, npm ci + OpenCV addon, build)', () =>
      c.run(`bash /src/scripts/install.sh --port ${port}`, { timeoutMs: 40 * 60_000 }),
    );
    assert.equal(r.code, 0, `install.sh failed:\n${r.output.slice(-6000)}`);
    // install.sh's own step times ("== build (at 131s)"), for the record.
    for (const line of r.stdout.split('\n').filter((l) => l.startsWith('install.sh: == '))) t.diagnostic(line);
    assert.match(r.stdout, new RegExp(`http://[0-9.]+:${port}/`), 'prints a LAN URL with the port');
    // The first URL also as a QR code (qrencode -t ANSIUTF8: rows of block characters).
    assert.ok(r.stdout.split('\n').filter((l) => (l.match(/[█▀▄]/g) ?? []).length >= 8).length >= 8, `a QR code block in the output:\n${r.stdout.slice(-3000)}`);
    assert.match(r.output, /rpicam-apps: not in this system's package archive/, 'Debian has no rpicam-apps: skipped with a log line');
    const cfg = JSON.parse(await c.ok('cat /etc/camstream.json')) as { server: { port: number } };
    assert.equal(cfg.server.port, port);
    assert.equal((await c.ok('stat -c "%U:%G %a" /etc/camstream.json')).trim(), 'root:camstream 640');
    assert.equal((await c.run('test -e /opt/camstream/node_modules/typescript')).code, 1, 'no TypeScript at run time');
    await c.ok('test -f /opt/camstream/node_modules/@u4/opencv4nodejs/build/Release/opencv4nodejs.node');
    assert.equal((await c.ok('systemctl is-enabled camstream')).trim(), 'enabled');
  });

  await t.test('the shipped unit passes systemd-analyze verify and security inside the container', async () => {
    const v = await c.run('systemd-analyze verify /etc/systemd/system/camstream.service');
    assert.equal(v.code, 0, v.output);
    const s = await c.run('systemd-analyze security --offline=true --threshold=20 /etc/systemd/system/camstream.service');
    const score = /Overall exposure level for camstream\.service: ([0-9.]+)/.exec(s.output)?.[1];
    t.diagnostic(`systemd ${(await c.ok('systemctl --version | head -1')).trim()}: exposure ${score}`);
    assert.equal(s.code, 0, s.output.split('\n').filter((l) => l.includes('✗')).join('\n'));
    assert.ok(score !== undefined && Number(score) <= 2.0, `exposure ${score}`);
  });

  await t.test('the service is active, runs as camstream, says how it is doing, and streams to a client on the host', async () => {
    await phase('active + stream', async () => {
      assert.equal((await c.ok('systemctl is-active camstream')).trim(), 'active');
      const pid = await mainPid();
      assert.equal((await c.ok(`stat -c %U /proc/${pid}`)).trim(), 'camstream');
      assert.match(await c.ok(`cat /proc/${pid}/status`), /^NoNewPrivs:\s+1$/m);
      await threeFrames();
      // STATUS= from the main process, refreshed every few seconds.
      const status = await c.until('STATUS= with fps and viewers', 15000, async () => {
        const s = await c.prop(U, 'StatusText');
        return /^\S+ live [0-9.]+ fps, \d+\/\d+ viewers/.test(s) && s;
      });
      t.diagnostic(`StatusText: ${status}`);
      // Installed complete: the phone page's files are there, and nothing logged an error.
      const page = await fetch(`${base}/`);
      assert.equal(page.status, 200);
      await c.ok('test -f /opt/camstream/web/index.html');
      const errors = (await journal()).split('\n').filter((l) => /"level":[56]0/.test(l));
      assert.deepEqual(errors, [], 'no error lines in the journal');
    });
  });

  await t.test('kill -9 of the main process: systemd restarts it', async () => {
    await phase('kill -9 -> restart', async () => {
      const pid = await mainPid();
      const before = await restarts();
      await c.ok(`kill -9 ${pid}`);
      await c.until('a new main PID, active', 30000, async () => {
        const p = await mainPid();
        return p !== 0 && p !== pid && (await c.prop(U, 'ActiveState')) === 'active';
      });
      assert.equal(await restarts(), before + 1);
      await c.until('/healthz 200 after the restart', 15000, healthy);
      await threeFrames();
    });
  });

  await t.test('a frozen process (SIGSTOP) is killed by the watchdog and restarted; a healthy one is left alone', async () => {
    await phase('watchdog (WatchdogSec=4)', async () => {
      await c.ok(
        'mkdir -p /etc/systemd/system/camstream.service.d && printf "[Service]\\nWatchdogSec=4\\n" >/etc/systemd/system/camstream.service.d/test-watchdog.conf && systemctl daemon-reload && systemctl restart camstream',
        { timeoutMs: 60000 },
      );
      assert.equal(await c.prop(U, 'WatchdogUSec'), '4s');
      const pid = await mainPid();
      const before = await restarts();
      // Three watchdog periods: the pings from the event loop keep it alive.
      await sleep(12000);
      assert.equal(await mainPid(), pid, 'a healthy process is not killed by the watchdog');
      assert.equal(await restarts(), before);
      const since = await nowInContainer();
      await c.ok(`kill -STOP ${pid}`);
      await c.until('the watchdog to kill the frozen process and systemd to restart it', 40000, async () => {
        const p = await mainPid();
        return p !== 0 && p !== pid && (await c.prop(U, 'ActiveState')) === 'active';
      });
      assert.equal(await restarts(), before + 1);
      assert.match(await journal(since), /[Ww]atchdog timeout/);
      await c.until('/healthz 200 after the watchdog restart', 15000, healthy);
      await c.ok('rm -r /etc/systemd/system/camstream.service.d && systemctl daemon-reload && systemctl restart camstream', { timeoutMs: 60000 });
      assert.equal(await c.prop(U, 'WatchdogUSec'), '30s');
    });
  });

  await t.test('a bad /etc/camstream.json: exit 78, no restart loop, the journal names the bad key', async () => {
    await phase('bad config -> 78, no loop', async () => {
      await c.ok('cp -p /etc/camstream.json /root/camstream.json.good');
      await c.ok(`printf '{"server": {"port": ${port}}, "stream": {"maxClients": "lots"}}\\n' >/etc/camstream.json`);
      const since = await nowInContainer();
      const before = await restarts();
      const r = await c.run('systemctl restart camstream', { timeoutMs: 60000 });
      assert.notEqual(r.code, 0, 'the start job fails');
      await c.until('the unit to fail', 20000, async () => (await c.prop(U, 'ActiveState')) === 'failed');
      assert.equal(await c.prop(U, 'ExecMainStatus'), '78');
      // Restart=on-failure would try again after RestartSec=2; wait well past it.
      await sleep(7000);
      assert.equal(await c.prop(U, 'ActiveState'), 'failed', 'still failed: no restart loop');
      assert.equal(await restarts(), before, 'RestartPreventExitStatus=78 stopped the restarts');
      const j = await journal(since);
      assert.match(j, /stream\.maxClients/, `journal names the key:\n${j}`);
      await c.ok('cp -p /root/camstream.json.good /etc/camstream.json && systemctl reset-failed camstream && systemctl start camstream', { timeoutMs: 60000 });
      await c.until('/healthz 200 with the good config back', 20000, healthy);
    });
  });

  await t.test('systemctl stop: a clean exit (status 0)', async () => {
    await phase('systemctl stop', async () => {
      const since = await nowInContainer();
      await c.ok('systemctl stop camstream', { timeoutMs: 30000 });
      assert.equal(await c.prop(U, 'ActiveState'), 'inactive');
      assert.equal(await c.prop(U, 'Result'), 'success');
      assert.equal(await c.prop(U, 'ExecMainStatus'), '0');
      assert.match(await journal(since), /"msg":"stopped"/);
      await c.ok('systemctl start camstream', { timeoutMs: 60000 });
      await c.until('/healthz 200 after start', 20000, healthy);
    });
  });

  // Debian 13's systemd 257 with the installed unit (test/appliance/reload.test.ts covers
  // Debian 12's 252 and access control on).
  await t.test('systemctl reload (the installed unit): a camera change applies with a viewer connected; a bad file fails the reload and changes nothing', async () => {
    await phase('systemctl reload', async () => {
      await c.ok('cp -p /etc/camstream.json /root/camstream.json.before-reload');
      const edit = (js: string) =>
        c.ok(`node -e 'const f="/etc/camstream.json",c=JSON.parse(require("fs").readFileSync(f));${js};require("fs").writeFileSync(f,JSON.stringify(c,null,1))'`);
      const pid = await mainPid();
      const w = await watchStream(`${base}/stream`);
      const live = (from: number) => w.parts.slice(from).filter((p) => !p.noSignal);
      try {
        await c.until('live frames before the reload', 30000, async () => live(0).length >= 3);
        await edit('c.camera={...(c.camera||{}),width:160,height:120}');
        const r = await c.run('systemctl reload camstream', { timeoutMs: 90000 });
        assert.equal(r.code, 0, `systemctl reload failed:\n${r.output}`);
        const from = w.parts.length;
        await c.until('frames at the new size on the same connection', 30000, async () =>
          live(from).some((p) => { const s = jpegSize(p.body); return s?.width === 160 && s.height === 120; }),
        );
        assert.equal(w.ended, false, 'the viewer stayed connected');
        assert.equal(await mainPid(), pid, 'reloaded in place, not restarted');

        await edit('c.camera.fps=-3');
        const since = await nowInContainer();
        const bad = await c.run('systemctl reload camstream', { timeoutMs: 90000 });
        assert.notEqual(bad.code, 0, 'a bad file fails the reload');
        assert.match(await journal(since), /camera\.fps/, 'the journal names the key');
        assert.equal(await c.prop(U, 'ActiveState'), 'active', 'the service carries on');
        assert.equal(await mainPid(), pid);
        const n = w.parts.length;
        await c.until('the viewer carries on after the failed reload', 30000, async () => live(n).length >= 3);
        assert.equal(w.ended, false);
      } finally {
        w.close();
        await c.ok('cp -p /root/camstream.json.before-reload /etc/camstream.json && systemctl restart camstream', { timeoutMs: 60000 });
        await c.until('/healthz 200 with the config restored', 30000, healthy);
      }
    });
  });

  await t.test('camera settings changed from the page survive systemctl restart (state file under StateDirectory=)', async () => {
    await phase('settings kept across a restart', async () => {
      // The stand-in rpicam-vid (a Pi camera; it records its arguments in STANDIN_STATE,
      // here the service's own /run/camstream) on the service's PATH; the real ffmpeg
      // behind it is the one install.sh installed.
      await c.ok('cp -p /etc/camstream.json /root/camstream.json.before-settings && install -m 0755 /src/test/fixtures/standin/pi/rpicam-vid /usr/local/bin/rpicam-vid');
      await c.ok('mkdir -p /etc/systemd/system/camstream.service.d && printf "[Service]\\nEnvironment=STANDIN_STATE=/run/camstream\\n" >/etc/systemd/system/camstream.service.d/test-standin.conf && systemctl daemon-reload');
      const cfg = JSON.parse(await c.ok('cat /etc/camstream.json')) as Record<string, Record<string, unknown>>;
      const withPi = { ...cfg, camera: { ...(cfg.camera ?? {}), source: 'libcamera', width: 320, height: 240, fps: 10 }, settings: { anonymousEdit: true } };
      try {
        await c.ok(`cat >/etc/camstream.json <<'EOF'\n${JSON.stringify(withPi, null, 1)}\nEOF\nsystemctl restart camstream`, { timeoutMs: 60000 });
        await c.until('/healthz 200 from the stand-in Pi camera', 60000, healthy);
        const r = await fetch(`${base}/api/camera/settings`, { method: 'PATCH', headers: { 'Content-Type': 'application/json', 'X-Camstream-Request': '1' }, body: '{"lens-position": 2, "awb": "daylight"}' });
        assert.equal(r.status, 200, await r.clone().text());
        assert.equal((await c.ok('stat -c "%U %a" /var/lib/camstream/settings.json')).trim(), 'camstream 600', 'written by the service under its StateDirectory=');
        await c.ok('systemctl restart camstream', { timeoutMs: 60000 });
        await c.until('/healthz 200 after the restart', 60000, healthy);
        const runs = (await c.ok('cat /run/camstream/rpicam-vid.args')).split('\n').filter((l) => l.endsWith('-o -'));
        assert.match(runs[0], /--autofocus-mode manual --lens-position 2 --awb daylight -o -$/, 'the first rpicam-vid after the restart already has the settings');
        const listed = (await (await fetch(`${base}/api/camera/controls`)).json()) as { controls: { name: string; value: unknown }[] };
        assert.equal(listed.controls.find((x) => x.name === 'lens-position')?.value, 2);
        assert.match(await journal(), /camera settings restored from the state file/);
      } finally {
        await c.ok('rm -f /usr/local/bin/rpicam-vid /etc/systemd/system/camstream.service.d/test-standin.conf /var/lib/camstream/settings.json && rmdir --ignore-fail-on-non-empty /etc/systemd/system/camstream.service.d && systemctl daemon-reload && cp -p /root/camstream.json.before-settings /etc/camstream.json && systemctl restart camstream', { timeoutMs: 60000 });
        await c.until('/healthz 200 with the config restored', 30000, healthy);
      }
    });
  });

  await t.test('re-running install.sh upgrades in place and keeps the edited config', async () => {
    await phase('install.sh again (upgrade, build cache reused)', async () => {
      // An edit a user would make: fewer slots.
      await c.ok(`node -e 'const f="/etc/camstream.json",c=JSON.parse(require("fs").readFileSync(f));c.stream={...(c.stream||{}),maxClients:7,maxClientsPerIp:3};require("fs").writeFileSync(f,JSON.stringify(c,null,1))' && systemctl restart camstream`, { timeoutMs: 60000 });
      const edited = await c.ok('sha256sum /etc/camstream.json');
      const pidBefore = await mainPid();
      const r = await c.run('bash /src/scripts/install.sh', { timeoutMs: 15 * 60_000 });
      assert.equal(r.code, 0, r.output.slice(-6000));
      assert.match(r.stdout, /dependencies unchanged: reusing the build cache/);
      assert.match(r.stdout, /camstream.json kept as it is/);
      assert.equal(await c.ok('sha256sum /etc/camstream.json'), edited, 'the config is byte-for-byte the one the user edited');
      assert.notEqual(await mainPid(), pidBefore, 'the service was restarted on the new build');
      const status = (await (await fetch(`${base}/api/status`)).json()) as { slots: { max: number } };
      assert.equal(status.slots.max, 7, 'the edited config is in effect');
      await threeFrames();
    });
  });

  await t.test('an upgrade stops, changing nothing, when the new version rejects the existing config', async () => {
    await phase('install.sh with a config the new version rejects', async () => {
      await c.ok('cp -p /etc/camstream.json /root/camstream.json.good');
      await c.ok(`printf '{"server": {"port": ${port}}, "camera": {"fps": -3}}\\n' >/etc/camstream.json`);
      const bad = await c.ok('sha256sum /etc/camstream.json');
      const pid = await mainPid();
      const r = await c.run('bash /src/scripts/install.sh', { timeoutMs: 15 * 60_000 });
      assert.notEqual(r.code, 0, 'install.sh refuses');
      assert.match(r.stderr, /camera\.fps/, `the validation errors name the key:\n${r.output.slice(-3000)}`);
      assert.match(r.stderr, /rejects \/etc\/camstream\.json .*Nothing was changed/);
      assert.equal(await c.ok('sha256sum /etc/camstream.json'), bad, 'the config is not touched');
      assert.equal(await mainPid(), pid, 'the running version was not stopped or restarted');
      assert.equal((await c.run('test -e /opt/camstream.new')).code, 1, 'the staged build is cleaned up');
      await c.ok('cp -p /root/camstream.json.good /etc/camstream.json');
      assert.ok(await healthy());
    });
  });

  await t.test('an upgrade whose new version does not become healthy is rolled back', async () => {
    await phase('broken upgrade -> rollback', async () => {
      const cfg = await c.ok('sha256sum /etc/camstream.json');
      // A checkout whose server dies at start-up (check-config and --version still work).
      await c.ok(
        "mkdir -p /root/broken && tar -C /src --exclude=./node_modules --exclude=./dist --exclude=./.git -cf - . | tar -C /root/broken -xf - && printf '\\nif (process.env.NODE_ENV === \"production\") throw new Error(\"sabotaged build for the rollback test\");\\n' >>/root/broken/src/main.ts",
        { timeoutMs: 120000 },
      );
      const r = await c.run('bash /root/broken/scripts/install.sh', { timeoutMs: 15 * 60_000 });
      assert.notEqual(r.code, 0, 'install.sh reports the failed upgrade');
      assert.match(r.output, /rolled back to/, r.output.slice(-4000));
      assert.match(r.output, /sabotaged build/, 'the journal lines shown name the reason');
      assert.equal((await c.ok('systemctl is-active camstream')).trim(), 'active');
      assert.equal((await c.run('grep -q sabotaged /opt/camstream/dist/src/main.js')).code, 1, 'the previous build is back in /opt/camstream');
      assert.equal((await c.run('test -e /opt/camstream.prev -o -e /opt/camstream.new')).code, 1, 'no half-finished directories left');
      assert.equal(await c.ok('sha256sum /etc/camstream.json'), cfg);
      await c.until('/healthz 200 on the rolled-back version', 20000, healthy);
      await threeFrames();
    });
  });

  await t.test('upgrades of a secured camera (auth.users; TLS; server.allow without 127.0.0.1) pass the health gate without a rollback; a broken one is still rolled back', async () => {
    await phase('secured upgrades: auth, TLS, allow-list, broken', async () => {
      const plain = JSON.parse(await c.ok('cat /etc/camstream.json')) as Record<string, Record<string, unknown>>;
      const PASSWORD = 'upgrade-password-1';
      // As the README tells a user to make one, with the installed camstream.
      const hash = (await c.ok(`echo '${PASSWORD}' | node /opt/camstream/dist/src/cli.js hash-password`)).trim();
      assert.match(hash, /^scrypt\$/);
      const tls = selfSignedCert();
      t.after(() => fs.rmSync(tls.dir, { recursive: true, force: true }));
      const ca = fs.readFileSync(tls.cert);
      await c.ok(
        `install -d -m 0750 -g camstream /etc/camstream-tls && cat >/etc/camstream-tls/cert.pem <<'EOF'\n${ca.toString().trim()}\nEOF\n` +
          `cat >/etc/camstream-tls/key.pem <<'EOF'\n${fs.readFileSync(tls.key, 'utf8').trim()}\nEOF\nchgrp camstream /etc/camstream-tls/*.pem && chmod 0640 /etc/camstream-tls/*.pem`,
      );
      const users = [{ name: 'ana', passwordHash: hash }];
      // TEST-NET-1 only: nothing on this machine, 127.0.0.1 included, may use the server.
      const elsewhere = ['192.0.2.0/24'];

      /** The old version runs with `patch` on (as on a Pi secured some time ago); then install.sh. */
      const upgradeWith = async (label: string, patch: Record<string, Record<string, unknown>>, script = '/src/scripts/install.sh') => {
        const cfg = { ...plain, ...Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, { ...(plain[k] ?? {}), ...v }])) };
        await c.ok(`cat >/etc/camstream.json <<'EOF'\n${JSON.stringify(cfg, null, 1)}\nEOF\nsystemctl restart camstream`, { timeoutMs: 60000 });
        await c.until(`${label}: the running version live before the upgrade`, 30000, async () => /^\S+ live /.test(await c.prop(U, 'StatusText')));
        const pid = await mainPid();
        const r = await c.run(`bash ${script}`, { timeoutMs: 15 * 60_000 });
        for (const line of r.output.split('\n').filter((l) => /is up|rolling back|rolled back|FAILED/.test(l))) t.diagnostic(`${label}: ${line}`);
        return { r, pid };
      };
      const upgraded = async (label: string, patch: Record<string, Record<string, unknown>>) => {
        const { r, pid } = await upgradeWith(label, patch);
        assert.equal(r.code, 0, `${label}: install.sh failed:\n${r.output.slice(-6000)}`);
        assert.doesNotMatch(r.output, /rolling back|rolled back/, label);
        assert.match(r.stdout, /install\.sh: camstream \S+ is up: live \S+ live /, `${label}: the gate saw frames flowing`);
        assert.notEqual(await mainPid(), pid, `${label}: restarted on the new build`);
        assert.equal((await c.run('test -e /opt/camstream.prev -o -e /opt/camstream.new')).code, 1);
      };

      // (a) A password: unauthenticated requests get 401, the user gets frames.
      await upgraded('auth.users', { auth: { users } });
      assert.equal((await probe(`${base}/healthz`)).status, 401);
      await c.until('/healthz 200 with the password', 15000, async () => (await probe(`${base}/healthz`, { headers: { Authorization: basic('ana', PASSWORD) } })).status === 200);
      const snap = await probe(`${base}/snapshot`, { headers: { Authorization: basic('ana', PASSWORD) } });
      assert.equal(snap.status, 200);
      assert.ok(isJpeg(snap.body));

      // (b) TLS: HTTPS only; plain HTTP on the port gets no answer a probe could use.
      await upgraded('server.tls', { server: { tls: { cert: '/etc/camstream-tls/cert.pem', key: '/etc/camstream-tls/key.pem' } } });
      await c.until('/healthz 200 over HTTPS', 15000, async () => (await httpsGet(`https://127.0.0.1:${port}/healthz`, ca)).status === 200);
      assert.notEqual((await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3000 })).status, 200);

      // (c) An allow-list without 127.0.0.1: 403 to everything from here.
      await upgraded('server.allow', { server: { allow: elsewhere } });
      assert.equal((await probe(`${base}/healthz`)).status, 403);

      // (d) Secured (password + allow-list), and the new build dies at start-up: rolled
      // back, and the gate sees the rolled-back version come up too.
      const { r } = await upgradeWith('broken + secured', { server: { allow: elsewhere }, auth: { users } }, '/root/broken/scripts/install.sh');
      assert.notEqual(r.code, 0, 'install.sh reports the failed upgrade');
      assert.match(r.output, /rolling back to/, r.output.slice(-4000));
      assert.match(r.stderr, /rolled back to \S+, which is running again \(live \S+ live /, r.output.slice(-4000));
      assert.equal((await c.run('grep -q sabotaged /opt/camstream/dist/src/main.js')).code, 1, 'the previous build is back');
      assert.equal((await probe(`${base}/healthz`)).status, 403, 'with its access control');

      await c.ok(`cat >/etc/camstream.json <<'EOF'\n${JSON.stringify(plain, null, 1)}\nEOF\nsystemctl restart camstream`, { timeoutMs: 60000 });
      await c.until('/healthz 200 with access control off again', 20000, healthy);
    });
  });

  await t.test('uninstall leaves only the config; --purge removes it too', async () => {
    await phase('uninstall', async () => {
      const r = await c.run('bash /src/scripts/uninstall.sh', { timeoutMs: 120000 });
      assert.equal(r.code, 0, r.output);
      t.diagnostic(`uninstall.sh took ${(r.ms / 1000).toFixed(1)} s`);
      assert.equal((await c.run('systemctl cat camstream')).code !== 0, true, 'no unit');
      assert.equal((await c.ok('ls /etc/systemd/system | grep -c camstream || true')).trim(), '0');
      for (const p of ['/opt/camstream', '/opt/camstream.prev', '/opt/camstream.new', '/var/cache/camstream']) {
        assert.equal((await c.run(`test -e ${p}`)).code, 1, `${p} is gone`);
      }
      assert.notEqual((await c.run('id camstream')).code, 0, 'the user is gone');
      await c.ok('test -f /etc/camstream.json');
      await assert.rejects(fetch(`${base}/healthz`, { signal: AbortSignal.timeout(3000) }), 'nothing listens any more');
      const p = await c.run('bash /src/scripts/uninstall.sh --purge', { timeoutMs: 120000 });
      assert.equal(p.code, 0, p.output);
      assert.equal((await c.run('test -e /etc/camstream.json')).code, 1, '--purge removed the config');
    });
  });
});
