// Find an executable on a PATH we are given (not necessarily process.env's), so a
// source can say "rpicam-vid not found" up front instead of failing with ENOENT, and
// tests can point sources at stand-in programs without touching process.env.
import fs from 'node:fs';
import path from 'node:path';

export function which(name: string, envPath: string | undefined): string | null {
  if (name.includes('/')) return isExecutable(name) ? name : null;
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const full = path.join(dir, name);
    if (isExecutable(full)) return full;
  }
  return null;
}

/** The first of `names` found on PATH, with its full path. */
export function whichFirst(names: readonly string[], envPath: string | undefined): { name: string; path: string } | null {
  for (const name of names) {
    const p = which(name, envPath);
    if (p) return { name, path: p };
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
