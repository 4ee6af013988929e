// A real sd_notify receiver: a unix datagram socket bound in a temp dir, as systemd's
// /run/systemd/notify is. Collects every datagram for the test to assert on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

interface RecvSocket {
  on(event: 'message', fn: (buf: Buffer) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  bind(path: string): void;
  close(): void;
}

export interface NotifyMessage {
  at: number;
  fields: Record<string, string>;
}

export interface NotifyReceiver {
  path: string;
  messages: NotifyMessage[];
  /** Messages that carry `key`, in arrival order. */
  with(key: string): NotifyMessage[];
}

export function parseNotify(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export function bindNotifySocket(t: TestContext): NotifyReceiver {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-notify-'));
  const file = path.join(dir, 'notify');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dgram = require('unix-dgram') as { createSocket(type: 'unix_dgram'): RecvSocket };
  const sock = dgram.createSocket('unix_dgram');
  const messages: NotifyMessage[] = [];
  sock.on('message', (buf) => messages.push({ at: Date.now(), fields: parseNotify(buf.toString('utf8')) }));
  sock.on('error', (err) => {
    throw err;
  });
  sock.bind(file);
  t.after(() => {
    sock.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { path: file, messages, with: (key) => messages.filter((m) => key in m.fields) };
}
