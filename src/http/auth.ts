// Access control for every request: runs before the router, so every route, alias,
// query variant and unknown path is covered; the only way past it without
// credentials is the explicit, config-driven auth.healthzOpen exemption for /healthz.
//
//   no users and no tokens        → off: everything passes (the default)
//   address locked out            → 429 + Retry-After, whatever credentials it sends
//   no credentials                → 401 + WWW-Authenticate (phones and browsers prompt)
//   wrong password (Basic)        → 401 again (so the browser asks again); counted
//   wrong token                   → 403; counted
//   too many wrong from one addr  → answers delayed, then locked out (429)
//   right ones                    → the route; ?token= is removed from the URL first
//
// Credentials: "Authorization: Basic …", "Authorization: Bearer TOKEN",
// "X-Camstream-Token: TOKEN" or ?token=TOKEN, first found wins. Secrets are never
// logged: lines carry the address, the user name and how the credential came.
import type Koa from 'koa';
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { Authenticator } from '../auth/authenticator';
import { FailureTracker } from '../auth/lockout';
import { clientAddress } from './client-address';
import { single } from './query';
import { refuse } from './refuse';

type Credential =
  | { kind: 'none' }
  | { kind: 'basic'; user: string; password: string; via: 'basic' }
  | { kind: 'token'; token: string; via: 'bearer' | 'header' | 'query' }
  | { kind: 'malformed'; via: string };

export interface AuthOptions {
  auth: Readonly<Config['auth']>;
  log: Logger;
  now?: () => number;
}

/** Credentials from a request, and the URL without ?token= (so nothing downstream logs it). */
function readCredential(ctx: Koa.Context): Credential {
  let fromQuery: string | undefined;
  // ctx.query decodes names too, so ?%74oken= is found (and removed) like ?token=.
  if (ctx.query.token !== undefined) {
    fromQuery = single(ctx.query, 'token');
    const q = new URLSearchParams(ctx.querystring);
    if (q.has('token')) {
      q.delete('token');
      ctx.querystring = q.toString();
    }
  }
  const header = ctx.get('Authorization');
  if (header) {
    const m = /^(\w+)\s+(\S+)\s*$/.exec(header);
    if (m && m[1].toLowerCase() === 'basic') {
      const decoded = Buffer.from(m[2], 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i < 0) return { kind: 'malformed', via: 'basic' };
      return { kind: 'basic', user: decoded.slice(0, i), password: decoded.slice(i + 1), via: 'basic' };
    }
    if (m && m[1].toLowerCase() === 'bearer') return { kind: 'token', token: m[2], via: 'bearer' };
    return { kind: 'malformed', via: 'authorization' };
  }
  const x = ctx.get('X-Camstream-Token');
  if (x) return { kind: 'token', token: x.trim(), via: 'header' };
  if (fromQuery) return { kind: 'token', token: fromQuery, via: 'query' };
  return { kind: 'none' };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function authMiddleware(opts: AuthOptions): Koa.Middleware {
  const { auth } = opts;
  const log = opts.log.child({ module: 'auth' });
  const authenticator = new Authenticator({ users: auth.users, tokens: auth.tokens, verifyCacheMs: auth.verifyCacheMs, now: opts.now });
  if (!authenticator.enabled) {
    log.info('access control off: no auth.users or auth.tokens configured');
    return (_ctx, next) => next();
  }
  log.info({ userCount: auth.users.length, tokenCount: auth.tokens.length, healthzOpen: auth.healthzOpen }, 'access control on');
  const failures = new FailureTracker({
    delayAfter: auth.lockout.delayAfter,
    delayMs: auth.lockout.delayMs,
    maxFailures: auth.lockout.maxFailures,
    lockMs: auth.lockout.durationMs,
    windowMs: auth.lockout.windowMs,
    now: opts.now,
  });
  const adminUsers = new Set(auth.users.filter((u) => u.admin === true).map((u) => u.name));
  const adminTokens = new Set(auth.tokens.filter((t) => t.admin === true).map((t) => t.name));
  const challenges = [
    ...(auth.users.length > 0 ? [`Basic realm="${auth.realm}", charset="UTF-8"`] : []),
    ...(auth.tokens.length > 0 ? [`Bearer realm="${auth.realm}"`] : []),
  ];

  const lockedOut = (ctx: Koa.Context, address: string, retryAfterSec: number) =>
    refuse(ctx, 429, 'CAMSTREAM_ERR_LOCKED_OUT', `too many failed logins from ${address}: locked out, retry in ${retryAfterSec} s`, { retryAfterSec });

  return async (ctx, next) => {
    if (auth.healthzOpen && (ctx.path === '/healthz' || /^\/cam\/[^/]+\/healthz$/.test(ctx.path))) return next();
    const address = clientAddress(ctx.req);
    const lock = failures.state(address);
    const cred = readCredential(ctx);
    if (lock.locked) return lockedOut(ctx, address, lock.retryAfterSec);

    if (cred.kind === 'none') {
      return refuse(ctx, 401, 'CAMSTREAM_ERR_AUTH_REQUIRED', 'authentication required: log in, or send a token (Authorization: Bearer, X-Camstream-Token or ?token=)', {
        headers: { 'WWW-Authenticate': challenges },
      });
    }
    let verdict: Awaited<ReturnType<Authenticator['checkPassword']>> = { result: 'bad' };
    if (cred.kind === 'basic') verdict = await authenticator.checkPassword(cred.user, cred.password);
    else if (cred.kind === 'token') verdict = authenticator.checkToken(cred.token);

    if (verdict.result === 'ok') {
      failures.succeed(address);
      ctx.state.user = verdict.name;
      // Streams remember who opened them: a reload that removes this user or token ends them.
      const kind = cred.kind === 'basic' ? 'user' : 'token';
      // admin: may change camera settings (auth.users[].admin, auth.tokens[].admin).
      ctx.state.principal = { kind, name: verdict.name, admin: (kind === 'user' ? adminUsers : adminTokens).has(verdict.name) };
      if (!verdict.cached) log.debug({ address, user: verdict.name, via: cred.via }, 'authenticated');
      return next();
    }
    if (verdict.result === 'busy') {
      return refuse(ctx, 503, 'CAMSTREAM_ERR_AUTH_BUSY', 'too many logins being checked at once; retry in a second', { retryAfterSec: 1 });
    }
    const f = failures.fail(address);
    // An unknown name is not logged: it is often the password typed into the wrong field.
    const user = cred.kind === 'basic' ? (authenticator.isUser(cred.user) ? cred.user : '(unknown user)') : undefined;
    if (f.lockedNow) {
      log.warn({ address, failures: f.failures, lockMs: auth.lockout.durationMs, code: 'CAMSTREAM_ERR_LOCKED_OUT' }, 'too many failed logins: address locked out');
      return lockedOut(ctx, address, Math.ceil(auth.lockout.durationMs / 1000));
    }
    log.info({ address, user, via: cred.via, failures: f.failures, code: 'CAMSTREAM_ERR_AUTH_FAILED' }, 'authentication failed');
    // Hold the answer back: guessing gets slow long before it gets locked out.
    if (f.delayMs > 0) await sleep(f.delayMs);
    if (cred.kind === 'token') return refuse(ctx, 403, 'CAMSTREAM_ERR_AUTH_FAILED', 'token not accepted');
    return refuse(ctx, 401, 'CAMSTREAM_ERR_AUTH_FAILED', 'wrong user name or password', { headers: { 'WWW-Authenticate': challenges } });
  };
}
