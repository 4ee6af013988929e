// `camstream reload [--pid PID] [--timeout SEC]`: the unit's ExecReload=. Sends SIGHUP
// to the server ($MAINPID under systemd) and waits for the outcome it writes to
// $RUNTIME_DIRECTORY/reload.json: exit 0 once the new config is applied, 78 (bad
// config; each problem printed, so `systemctl status` and the journal name the key),
// 1 when no answer came in time. Why a status file rather than STATUS= or a socket:
// it needs no listening endpoint, lives in the service's private 0700 runtime
// directory (root and the camstream user only), survives this command being killed,
// and `cat` shows the last outcome.
import fs from 'node:fs';
import { EXIT_CONFIG, EXIT_USAGE } from '../errors';
import { monotonicUsec, reloadStatusPath, type ReloadStatus } from './on-sighup';
import { monotonicNow } from '../clock';

export interface ReloadCommandOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  out: (s: string) => void;
  err: (s: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function read(file: string): ReloadStatus | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ReloadStatus;
  } catch {
    return null; // not there yet
  }
}

export async function reloadCommand(o: ReloadCommandOptions): Promise<number> {
  let pidText = o.env.MAINPID;
  let timeoutSec = 50; // under the unit's TimeoutStartSec=60, which bounds ExecReload=
  const rest = [...o.argv];
  while (rest.length) {
    const a = rest.shift()!;
    if (a === '--pid') pidText = rest.shift();
    else if (a === '--timeout') timeoutSec = Number(rest.shift());
    else {
      o.err(`camstream reload: unknown argument ${JSON.stringify(a)}\n`);
      return EXIT_USAGE;
    }
  }
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 1) {
    o.err(`camstream reload: expected the server's PID in $MAINPID (set by systemd for ExecReload=) or --pid PID, got ${JSON.stringify(pidText ?? '')}\n`);
    return EXIT_USAGE;
  }
  if (!(timeoutSec > 0)) {
    o.err('camstream reload: --timeout expects seconds greater than 0\n');
    return EXIT_USAGE;
  }
  const file = reloadStatusPath(o.env);
  if (!file) {
    o.err('camstream reload: $RUNTIME_DIRECTORY is not set (the unit sets RuntimeDirectory=camstream); cannot learn the outcome\n');
    return EXIT_USAGE;
  }
  const sentAt = monotonicUsec();
  try {
    process.kill(pid, 'SIGHUP');
  } catch (err) {
    o.err(`camstream reload: cannot signal PID ${pid}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 1;
  }
  const deadline = monotonicNow() + timeoutSec * 1000;
  for (;;) {
    const s = read(file);
    // Only a reload that started after our signal answers it.
    if (s && BigInt(s.startedUsec) >= sentAt) {
      if (s.ok) {
        o.out(`camstream: configuration reloaded${s.changed.length ? ` (changed: ${s.changed.join(', ')})` : ' (nothing changed)'}\n`);
        if (s.pendingRestart.length) o.out(`camstream: waiting for a restart (systemctl restart camstream): ${s.pendingRestart.join(', ')}\n`);
        if (s.camera?.restarted) o.out(`camstream: camera restarted, picture back after ${s.camera.gapMs ?? '?'} ms\n`);
        return 0;
      }
      o.err('camstream: reload failed, the running configuration is kept:\n');
      for (const e of s.errors) o.err(`  - ${e}\n`);
      return EXIT_CONFIG;
    }
    if (monotonicNow() > deadline) {
      o.err(`camstream reload: no outcome from PID ${pid} in ${file} within ${timeoutSec} s\n`);
      return 1;
    }
    await sleep(50);
  }
}
