// Runs a camera tool (rpicam-vid --list-cameras, v4l2-ctl) found on the given PATH,
// bounded in time, and hands back what it printed.
import { execFile } from 'node:child_process';
import { which, whichFirst } from './which';

export interface ToolResult {
  ok: boolean;
  out: string;
  /** stderr, or why it could not run. */
  err: string;
}

export function runTool(programs: readonly string[], args: string[], env: NodeJS.ProcessEnv, timeoutMs = 10000): Promise<ToolResult | null> {
  const found = programs.length === 1 ? which(programs[0], env.PATH) : whichFirst(programs, env.PATH)?.path ?? null;
  if (!found) return Promise.resolve(null);
  return new Promise((resolve) => {
    execFile(found, args, { env, timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => resolve({ ok: !err, out: String(stdout), err: String(stderr || (err ? err.message : '')).trim() }));
  });
}
