// The fleet roll-out for real: Debian's ansible-playbook runs deploy/site.yml against a
// booted Debian 13 container (systemd as PID 1, the Raspberry Pi OS base) through
// community.docker.nsenter, a connection plugin Debian's ansible ships that enters a
// PID's namespaces. It installs camstream with scripts/install.sh, renders
// /etc/camstream.json from the inventory, then:
//   - runs again: changed=0, no restart;
//   - changes one setting: only the config changes, one restart, the server shows it;
//   - rolls two "Pis" (serial: 1) where the first gets a setting camstream rejects, and
//     then one that leaves it unhealthy: each time the roll-out stops at the first
//     Pi and the second is never touched;
//   - rolls out to a secured Pi (a password and an allow-list without 127.0.0.1): the
//     health check still passes, without any way in from the Pi itself.
// The OpenCV addon's compile (minutes) is cached under /var/cache/camstream-test.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Container, ensureRootfs, freePort, nspawnUnavailable } from '../helpers/nspawn';
import { isJpeg, readStream } from '../helpers/mjpeg-client';
import { runTool } from '../helpers/run-tool';
import { hashPassword } from '../../src/auth/scrypt';

const REPO = path.resolve(__dirname, '..', '..', '..');
const CACHE = process.env.CAMSTREAM_TEST_CACHE ?? '/var/cache/camstream-test';
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';

// Skipped only where a container cannot boot (not root). A missing ansible-playbook is
// a failure, not a skip: scripts/setup.sh --test installs it, so CI always has it.
const skip = nspawnUnavailable();
if (skip) process.stderr.write(`\n*** SKIPPING the Ansible roll-out test: ${skip} ***\n\n`);


interface HostStats {
  ok: number;
  changed: number;
  failures: number;
  unreachable: number;
  skipped: number;
}

interface PlayResult {
  code: number | null;
  stats: Record<string, HostStats>;
  /** Per task: name → per-host result (changed / failed / msg). */
  tasks: { name: string; hosts: Record<string, { changed?: boolean; failed?: boolean; msg?: string; stdout?: string; stderr?: string }> }[];
  raw: string;
}

test('deploy/: ansible-playbook installs, configures and upgrades camstream one Pi at a time', { skip: skip ?? false, timeout: 50 * 60_000 }, async (t: TestContext) => {
  const a = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8', timeout: 30000 });
  assert.ok(!a.error && a.status === 0, `ansible-playbook does not run (${a.error?.message ?? a.stderr}): scripts/setup.sh --test installs Debian's ansible`);
  const rootfs = ensureRootfs(REPO, 'trixie', 15 * 60_000);
  for (const d of ['deploy-apt-archives/partial', 'npm', 'deploy-build']) fs.mkdirSync(path.join(CACHE, d), { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-ansible-'));
  t.after(() => fs.rmSync(work, { recursive: true, force: true }));
  const port = await freePort('127.0.0.1');
  // One commit for every run: the tree may move under a developer's feet meanwhile.
  const commit = execFileSync('git', ['-C', REPO, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  t.diagnostic(`port ${port}, release ${commit}`);

  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', SYSTEMD_PAGER: 'cat' };
  const bindRo: Record<string, string> = {};
  if (fs.existsSync(HOST_CA)) {
    // Test-only: these build machines add a CA for HTTPS to the npm registry. A Pi needs none of it.
    bindRo[HOST_CA] = '/srv/host-ca.crt';
    env.NODE_EXTRA_CA_CERTS = '/srv/host-ca.crt';
  }
  const c = await Container.boot({
    rootfs,
    name: `camstream-ansible-${process.pid}`,
    bindRo,
    bind: {
      [path.join(CACHE, 'deploy-apt-archives')]: '/var/cache/apt/archives',
      [path.join(CACHE, 'npm')]: '/root/.npm',
      // install.sh's build cache: with an unchanged package-lock it skips npm ci and the addon compile.
      [path.join(CACHE, 'deploy-build')]: '/var/cache/camstream/build',
    },
    env,
    logFile: path.join(CACHE, `nspawn-ansible-${process.pid}.log`),
  });
  t.after(() => c.poweroff());

  const base = `http://127.0.0.1:${port}`;
  const fleet = {
    server: { host: '127.0.0.1', port },
    camera: { source: 'testpattern', width: 320, height: 240, fps: 10 },
    stream: { maxClients: 5, maxClientsPerIp: 5, queueSize: 2 },
  };
  const host = (config: object, extra: object = {}) => ({
    ansible_connection: 'community.docker.nsenter',
    ansible_nsenter_pid: c.leader,
    ansible_python_interpreter: '/usr/bin/python3',
    camstream_config_host: config,
    // Quicker to give up than the default (90 s for a slow camera), yet past a few of the
    // service's STATUS= refreshes (every 5 s) on a busy machine.
    camstream_health_retries: 30,
    camstream_health_delay: 1,
    ...extra,
  });
  let runs = 0;
  const play = async (hosts: Record<string, object>, timeoutMs: number, extraArgs: string[] = []): Promise<PlayResult> => {
    // JSON is YAML: the inventory is written as JSON.
    const inv = path.join(work, `inventory-${++runs}.yml`);
    fs.writeFileSync(inv, JSON.stringify({ all: { children: { camstream: { hosts, vars: { camstream_config_fleet: fleet } } } } }, null, 2));
    const started = Date.now();
    const r = await runTool('ansible-playbook', ['-i', inv, path.join(REPO, 'deploy', 'site.yml'), '-e', `camstream_version=${commit}`, '-e', `camstream_release_dir=${work}`, ...extraArgs], {
      timeoutMs,
      cwd: path.join(REPO, 'deploy'),
      // nsenter hands this environment to the commands it runs in the container: no
      // host-only paths in it (TMPDIR=/tmp/… of the host would break apt and npm there).
      env: { ...env, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: path.join(work, 'ansible-local'), JOBS: '2' },
    });
    const raw = r.stdout.toString();
    t.diagnostic(`run ${runs}: exit ${r.code} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    let doc: { stats?: Record<string, HostStats>; plays?: { tasks: { task: { name: string }; hosts: Record<string, any> }[] }[] };
    try {
      doc = JSON.parse(raw.slice(raw.indexOf('{')));
    } catch {
      throw new Error(`ansible-playbook run ${runs} printed no JSON (exit ${r.code}${r.timedOut ? ', timed out' : ''}):\n${raw.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    }
    // Task names without the "camstream : " role prefix.
    const tasks = (doc.plays ?? []).flatMap((p) => p.tasks.map((x) => ({ name: x.task.name.replace(/^camstream : /, ''), hosts: x.hosts })));
    return { code: r.code, stats: doc.stats ?? {}, tasks, raw };
  };
  const failedTasks = (r: PlayResult) =>
    r.tasks.flatMap((x) =>
      Object.entries(x.hosts)
        .filter(([, h]) => h.failed)
        .map(([n, h]) => `${n}: ${x.name}: ${String(h.msg ?? '').slice(0, 1500)}${h.stdout || h.stderr ? `\n--- stdout (tail)\n${String(h.stdout ?? '').slice(-2500)}\n--- stderr (tail)\n${String(h.stderr ?? '').slice(-2500)}` : ''}`),
    );
  const changedTasks = (r: PlayResult, h: string) => r.tasks.filter((x) => x.hosts[h]?.changed).map((x) => x.name);
  const mainPid = async () => Number((await c.ok('systemctl show -P MainPID camstream')).trim());
  const status = async () => (await (await fetch(`${base}/api/status`, { signal: AbortSignal.timeout(5000) })).json()) as { slots: { max: number }; source: { kind: string } };
  const configOnPi = async () => JSON.parse(await c.ok('cat /etc/camstream.json')) as typeof fleet;

  await t.test('first run: installs with scripts/install.sh, renders /etc/camstream.json, serves', async () => {
    const r = await play({ pi1: host({ camera: { fps: 12 } }) }, 40 * 60_000);
    assert.equal(r.code, 0, `first run failed:\n${failedTasks(r).join('\n') || r.raw.slice(-3000)}`);
    assert.equal(r.stats.pi1.failures, 0);
    const changed = changedTasks(r, 'pi1');
    assert.ok(changed.some((n) => n.startsWith('scripts/install.sh')), `install.sh ran: ${changed.join(' | ')}`);
    assert.ok(changed.some((n) => n.startsWith('/etc/camstream.json')), 'config rendered');
    assert.deepEqual(await configOnPi(), { ...fleet, camera: { ...fleet.camera, fps: 12 } }, 'fleet settings with the host\'s on top');
    assert.equal((await c.ok('stat -c "%U:%G %a" /etc/camstream.json')).trim(), 'root:camstream 640');
    assert.equal((await c.ok('systemctl is-enabled camstream')).trim(), 'enabled');
    const s = await status();
    assert.equal(s.slots.max, 5);
    assert.equal(s.source.kind, 'testpattern');
    const frames = await readStream(`${base}/stream`, { frames: 3, timeoutMs: 15000 });
    assert.equal(frames.parts.length, 3);
    assert.ok(frames.parts.every((p) => isJpeg(p.body)));
  });

  await t.test('second run with nothing new: changed=0 and no restart', async () => {
    const before = await mainPid();
    const r = await play({ pi1: host({ camera: { fps: 12 } }) }, 10 * 60_000);
    assert.equal(r.code, 0, failedTasks(r).join('\n'));
    assert.equal(r.stats.pi1.changed, 0, `changed tasks: ${changedTasks(r, 'pi1').join(' | ')}`);
    assert.equal(r.stats.pi1.failures, 0);
    assert.equal(await mainPid(), before, 'the service was not restarted');
  });

  await t.test('over SSH, as the inventory example connects (sshd on a loopback port, pipelining): still changed=0', async () => {
    // The Pi side of what Raspberry Pi Imager's "Enable SSH" gives: sshd and a key.
    const sshPort = await freePort('127.0.0.1');
    const key = path.join(work, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'camstream-test', '-f', key]);
    const pub = fs.readFileSync(`${key}.pub`, 'utf8').trim();
    await c.ok('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null', { timeoutMs: 10 * 60_000 });
    await c.ok(
      `install -d -m 700 /root/.ssh && echo '${pub}' > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys && ` +
        `printf 'Port ${sshPort}\\nListenAddress 127.0.0.1\\nPermitRootLogin prohibit-password\\nPasswordAuthentication no\\n' > /etc/ssh/sshd_config.d/camstream-test.conf && ` +
        'systemctl restart ssh && systemctl is-active ssh',
      { timeoutMs: 60_000 },
    );
    const before = await mainPid();
    const r = await play(
      {
        pi1: {
          ...host({ camera: { fps: 12 } }),
          ansible_connection: 'ssh',
          ansible_host: '127.0.0.1',
          ansible_port: sshPort,
          ansible_user: 'root',
          ansible_ssh_private_key_file: key,
          ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
        },
      },
      10 * 60_000,
    );
    assert.equal(r.code, 0, failedTasks(r).join('\n'));
    assert.equal(r.stats.pi1.changed, 0, `changed tasks: ${changedTasks(r, 'pi1').join(' | ')}`);
    assert.equal(await mainPid(), before);
  });

  await t.test('--check --diff shows a pending setting change and changes nothing', async () => {
    const before = await mainPid();
    const r = await play({ pi1: host({ camera: { fps: 12 }, stream: { maxClients: 7 } }) }, 10 * 60_000, ['--check', '--diff']);
    assert.equal(r.code, 0, failedTasks(r).join('\n'));
    assert.ok(changedTasks(r, 'pi1').some((n) => n.startsWith('/etc/camstream.json')), 'the config would change');
    assert.equal((await configOnPi()).stream.maxClients, 5, 'but it did not');
    assert.equal(await mainPid(), before);
  });

  await t.test('one setting changed in the inventory: only the config changes, one restart, the server shows it', async () => {
    const before = await mainPid();
    const r = await play({ pi1: host({ camera: { fps: 12 }, stream: { maxClients: 7 } }) }, 10 * 60_000);
    assert.equal(r.code, 0, failedTasks(r).join('\n'));
    assert.deepEqual(changedTasks(r, 'pi1'), ['/etc/camstream.json from the inventory (checked by the installed camstream before it replaces the old one)', 'restart camstream']);
    assert.notEqual(await mainPid(), before, 'restarted to apply it');
    assert.equal((await status()).slots.max, 7);
    assert.match(await c.ok('ls /etc'), /camstream\.json\.\d+\.[\d-@:~]+/, 'the previous config kept as a backup');
  });

  await t.test('serial roll-out: a setting camstream rejects stops at the first Pi; the config and service stay as they were', async () => {
    const before = await mainPid();
    const r = await play(
      {
        // Both names reach the same container: what matters is that the second is never run.
        pi0: host({ camera: { fps: 12 }, stream: { maxClients: 'lots' } }),
        pi1: host({ camera: { fps: 12 }, stream: { maxClients: 9 } }),
      },
      10 * 60_000,
    );
    assert.notEqual(r.code, 0);
    const failed = failedTasks(r);
    assert.equal(failed.length, 1, failed.join('\n'));
    assert.match(failed[0], /^pi0: \/etc\/camstream\.json/);
    assert.match(failed[0], /stream\.maxClients/, 'camstream check-config names the bad key');
    assert.ok(!('pi1' in r.stats) || r.stats.pi1.ok === 0, `pi1 must not be touched: ${JSON.stringify(r.stats.pi1)}`);
    assert.equal((await configOnPi()).stream.maxClients, 7, 'the old config is still in place');
    assert.equal(await mainPid(), before, 'and the service was not restarted');
    assert.equal((await status()).slots.max, 7);
  });

  await t.test('serial roll-out: a Pi that does not come back healthy stops the roll-out there', async () => {
    const r = await play(
      {
        // Valid config, but the camera folder does not exist: never live (/healthz 503).
        pi0: host({ camera: { source: 'files', dir: '/nonexistent' }, stream: { maxClients: 7 } }),
        pi1: host({ camera: { fps: 12 }, stream: { maxClients: 9 } }),
      },
      10 * 60_000,
    );
    assert.notEqual(r.code, 0);
    const failed = failedTasks(r);
    assert.equal(failed.length, 1, failed.join('\n'));
    assert.match(failed[0], /^pi0: camstream reports itself healthy/);
    assert.match(failed[0], /files no-signal .*camera\.dir \/nonexistent/, 'the failure shows what the service reported: the state and why');
    assert.ok(!('pi1' in r.stats) || r.stats.pi1.ok === 0, `pi1 must not be touched: ${JSON.stringify(r.stats.pi1)}`);
    const h = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
    assert.equal(h.status, 503, 'pi0 is left as the failed step made it, for a person to look at');
    await h.arrayBuffer();
    assert.equal((await configOnPi()).stream.maxClients, 7, "pi1's setting (9) never applied");
  });

  await t.test('a secured Pi (auth.users, and server.allow without 127.0.0.1): the roll-out passes the health check', async () => {
    const before = await mainPid();
    const secured = {
      camera: { fps: 12 },
      stream: { maxClients: 9 },
      // TEST-NET-1: nobody here, and not 127.0.0.1, so no request from the Pi itself gets in.
      server: { allow: ['192.0.2.0/24'] },
      auth: { users: [{ name: 'ana', passwordHash: await hashPassword('deploy-password-1') }] },
    };
    const r = await play({ pi1: host(secured) }, 10 * 60_000);
    assert.equal(r.code, 0, failedTasks(r).join('\n'));
    assert.equal(r.stats.pi1.failures, 0);
    const changed = changedTasks(r, 'pi1');
    assert.ok(changed.includes('restart camstream'), `restarted on the new config: ${changed.join(' | ')}`);
    const gate = r.tasks.find((x) => x.name.startsWith('camstream reports itself healthy'))?.hosts.pi1;
    assert.ok(gate && !gate.failed, `the health check ran and passed: ${JSON.stringify(gate)}`);
    assert.match(String(gate.stdout), /^live \S+ live /, 'on frames flowing, as the service itself reported');
    assert.notEqual(await mainPid(), before);
    const cfg = (await configOnPi()) as unknown as typeof secured;
    assert.deepEqual(cfg.server.allow, ['192.0.2.0/24']);
    assert.equal(cfg.auth.users.length, 1);
    // The locks are on: from the Pi's own loopback there is no way in, so an HTTP
    // health check from there could not have passed.
    const h = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
    assert.equal(h.status, 403);
    await h.arrayBuffer();
  });
});
