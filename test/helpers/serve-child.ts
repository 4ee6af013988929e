// `camstream serve` as a real child process, its stdout and stderr collected, killed
// when the test ends if it is still running.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import type { TestContext } from 'node:test';

export const CLI = path.resolve(__dirname, '..', '..', 'src', 'cli.js');

export interface ServeChild {
  child: ChildProcessWithoutNullStreams;
  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export function spawnServe(t: TestContext, configPath: string, env: NodeJS.ProcessEnv = { PATH: process.env.PATH }): ServeChild {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, output: () => out, exited };
}
