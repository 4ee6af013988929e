// Every refusal camstream answers has one shape, whether Koa sends it or server.ts
// writes it on the socket before Koa ever sees the request:
//   the status; Content-Type text/plain; body "message (CODE)\n";
//   X-Camstream-Error: CODE (a stable code from errors.ts, listed in the README with
//   what to do); Cache-Control: no-store (a proxy or browser must not keep a refusal);
//   Retry-After where coming back later helps; WWW-Authenticate / Allow where due.
// JSON routes (/api/status, /healthz) refuse in the same plain text: tools branch on
// the status and the X-Camstream-Error header, never on the body, so one shape serves
// browsers (which show the text) and scripts alike.
import http from 'node:http';
import type Koa from 'koa';
import type { ErrorCode } from '../errors';

export const ERROR_HEADER = 'X-Camstream-Error';

export interface RefuseOptions {
  /** Seconds after which trying again may succeed: sent as Retry-After. */
  retryAfterSec?: number;
  /** Further headers: WWW-Authenticate for 401, Allow for 405, … */
  headers?: Record<string, string | string[]>;
  /** Close the connection after the answer (the request itself is suspect). */
  close?: boolean;
}

export function refusalBody(code: ErrorCode, message: string): string {
  return `${message} (${code})\n`;
}

const retryAfter = (sec: number) => String(Math.max(1, Math.ceil(sec)));

/** Answer `ctx` with a refusal; the route returns after calling this. */
export function refuse(ctx: Koa.Context, status: number, code: ErrorCode, message: string, opts: RefuseOptions = {}): void {
  ctx.status = status;
  ctx.set(ERROR_HEADER, code);
  ctx.set('Cache-Control', 'no-store');
  if (opts.retryAfterSec !== undefined) ctx.set('Retry-After', retryAfter(opts.retryAfterSec));
  if (opts.headers) ctx.set(opts.headers);
  if (opts.close) ctx.set('Connection', 'close');
  ctx.type = 'text/plain';
  ctx.body = refusalBody(code, message);
}

/**
 * The same refusal as raw HTTP/1.1 bytes, for answers written on the socket before
 * Koa (a request Node's parser gave up on). Always closes the connection: after a
 * parse error nothing more on it can be trusted.
 */
export function rawRefusal(status: number, code: ErrorCode, message: string, opts: Omit<RefuseOptions, 'close'> = {}): string {
  const body = refusalBody(code, message);
  const headers: [string, string][] = [
    ['Connection', 'close'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Cache-Control', 'no-store'],
    ['X-Content-Type-Options', 'nosniff'],
    [ERROR_HEADER, code],
  ];
  if (opts.retryAfterSec !== undefined) headers.push(['Retry-After', retryAfter(opts.retryAfterSec)]);
  for (const [k, v] of Object.entries(opts.headers ?? {})) for (const one of Array.isArray(v) ? v : [v]) headers.push([k, one]);
  const head = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}`, ...headers.map(([k, v]) => `${k}: ${v}`)];
  return `${head.join('\r\n')}\r\n\r\n${body}`;
}
