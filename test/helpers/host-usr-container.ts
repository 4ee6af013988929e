// A quick systemd container for tests of the shipped unit (no install.sh, which
// test/appliance/container.test.ts covers on Debian 13): a cached Debian rootfs of this
// machine's own release boots with this machine's /usr bound in read-only (the Node.js,
// OpenCV and systemd this checkout was built against) and the checkout bound at
// /opt/camstream, where the unit expects it; the camstream user is created as
// install.sh does.
import fs from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { Container, ensureRootfs, nspawnUnavailable } from './nspawn';
export { freePort } from './nspawn';

export const REPO = path.resolve(__dirname, '..', '..', '..');
const CACHE = process.env.CAMSTREAM_TEST_CACHE ?? '/var/cache/camstream-test';

/** This machine's Debian codename (bookworm, trixie), for a rootfs that matches its /usr. */
export function hostSuite(): string | null {
  const text = fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '';
  return /VERSION_CODENAME=(\w+)/.exec(text)?.[1] ?? null;
}

/** Why these tests cannot run here, or null. */
export function hostUsrUnavailable(): string | null {
  return nspawnUnavailable() ?? (hostSuite() ? null : 'cannot tell which Debian this machine runs (/etc/os-release)');
}

export async function bootHostUsr(t: TestContext, name: string): Promise<Container> {
  const rootfs = ensureRootfs(REPO, hostSuite()!, 15 * 60_000);
  // /etc/alternatives goes with /usr: OpenCV's BLAS/LAPACK are found through it.
  const bindRo: Record<string, string> = { '/usr': '/usr', '/etc/alternatives': '/etc/alternatives', [REPO]: '/opt/camstream' };
  // node_modules may be a symlink to a shared checkout: bind its target where it points.
  const nm = fs.realpathSync(path.join(REPO, 'node_modules'));
  if (!nm.startsWith(`${REPO}/`)) bindRo[nm] = nm;
  const c = await Container.boot({
    rootfs,
    name: `${name}-t${process.pid}`,
    bindRo,
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', SYSTEMD_PAGER: 'cat', SYSTEMD_COLORS: '0' },
    logFile: path.join(CACHE, `nspawn-${name}-${process.pid}.log`),
  });
  t.after(() => c.poweroff());
  await c.ok('useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin camstream');
  return c;
}

