// Run a real command-line client (ffmpeg, ffprobe, curl, cvlc, ansible-playbook…)
// with a hard time limit, capturing its output as bytes; never throws on a non-zero
// exit, so the test can assert on the code and show stderr when it is wrong.
import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** true when the time limit killed it. */
  timedOut: boolean;
}

export function runTool(
  cmd: string,
  args: string[],
  opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string; killSignal?: NodeJS.Signals } = { timeoutMs: 30000 },
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    // Its own process group, so the time limit also ends whatever it started
    // (runuser → cvlc → vlc; ansible's workers), which would otherwise hold the pipes open.
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd, detached: true });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      // Keep the tail: ffmpeg and ansible can be chatty, and the end says what went wrong.
      err = (err + c.toString('utf8')).slice(-20000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, opts.killSignal ?? 'SIGKILL');
      } catch {
        // already gone
      }
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, timedOut });
    });
  });
}

/** Fail with the command's stderr when it did not exit 0. */
export function assertOk(r: ToolResult, what: string): void {
  if (r.code !== 0) throw new Error(`${what}: exit ${r.code ?? r.signal}${r.timedOut ? ' (timed out)' : ''}\n${r.stderr.slice(-3000)}`);
}
