// `camstream hash-password`: reads a password and prints its scrypt hash for
// auth.users[].passwordHash. From a terminal it prompts twice with echo off; otherwise
// it reads the first line of stdin (`echo "$PW" | camstream hash-password`), so the
// password never has to appear in argv (visible in ps) or shell history.
import { hashPassword } from './scrypt';

export const MIN_PASSWORD_LENGTH = 8;

interface Io {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Lines typed at the terminal, not echoed (raw mode, so we see each key). Keys typed
 * ahead of a prompt are kept for it. null on Ctrl-C / Ctrl-D.
 */
function hiddenPrompter(io: Io): { ask(prompt: string): Promise<string | null>; close(): void } {
  const stdin = io.stdin;
  let pending = '';
  let waiter: (() => void) | null = null;
  const onData = (chunk: string) => {
    pending += chunk;
    waiter?.();
  };
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.on('data', onData);
  stdin.resume();
  return {
    async ask(prompt) {
      io.stderr.write(prompt);
      let line = '';
      for (;;) {
        while (pending.length > 0) {
          const ch = pending[0];
          pending = pending.slice(1);
          if (ch === '\r' || ch === '\n') {
            if (ch === '\r' && pending[0] === '\n') pending = pending.slice(1);
            io.stderr.write('\n');
            return line;
          }
          if (ch === '\u0003' || ch === '\u0004') {
            io.stderr.write('\n');
            return null;
          }
          if (ch === '\u007f' || ch === '\b') line = line.slice(0, -1);
          else if (ch >= ' ') line += ch;
        }
        await new Promise<void>((r) => (waiter = r));
        waiter = null;
      }
    },
    close() {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    },
  };
}

async function readFirstLine(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stdin) {
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
    if (size > 64 * 1024 || (c as Buffer).includes(0x0a)) break;
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
}

/** Returns the exit code: 0 printed a hash, 1 the input was refused. */
export async function hashPasswordCommand(io: Io = process): Promise<number> {
  let password: string | null;
  if (io.stdin.isTTY) {
    const tty = hiddenPrompter(io);
    try {
      password = await tty.ask('Password: ');
      if (password === null) return 1;
      const again = await tty.ask('Again: ');
      if (again !== password) {
        io.stderr.write('camstream: the two passwords differ; nothing printed\n');
        return 1;
      }
    } finally {
      tty.close();
    }
  } else {
    password = await readFirstLine(io.stdin);
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    io.stderr.write(`camstream: expected a password of at least ${MIN_PASSWORD_LENGTH} characters, got ${password.length}${io.stdin.isTTY ? '' : ' (read the first line of stdin)'}\n`);
    return 1;
  }
  io.stdout.write(`${await hashPassword(password)}\n`);
  if (io.stdin.isTTY) io.stderr.write('Put it in /etc/camstream.json: "auth": { "users": [{ "name": "…", "passwordHash": "<the line above>" }] }\n');
  return 0;
}
