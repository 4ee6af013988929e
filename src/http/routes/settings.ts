// Camera settings from the page:
//   GET    /api/camera/controls    what the camera can do, with current values (anyone who may watch)
//   PATCH  /api/camera/settings    change some: {"lens-position": 2.5, "awb": "daylight"}
//   DELETE /api/camera/settings    forget them: back to the config file's values
// (and the same under /cam/NAME/ for each camera). Writes need an admin (auth.users
// or auth.tokens entry with "admin": true) or, with access control off,
// settings.anonymousEdit. Browsers send Basic credentials on their own, so writes
// must also prove they come from camstream's own page: a custom header, which a
// cross-site form cannot send and a cross-site fetch cannot send without a CORS
// preflight camstream never grants, and a same-origin Origin when one is sent.
import type Koa from 'koa';
import type { Config } from '../../config/schema';
import type { CameraSettings } from '../../settings/camera-settings';
import { SettingRefused } from '../../settings/camera-settings';
import { validate, type Control } from '../../settings/controls';
import { stateFilePath } from '../../settings/state-file';
import { clientAddress } from '../client-address';
import { refuse } from '../refuse';

export const WRITE_HEADER = 'X-Camstream-Request';
const MAX_BODY = 16 * 1024;

interface Principal {
  kind: 'user' | 'token';
  name: string;
  admin: boolean;
}

/** Why this request may not change settings (status, code, message), or null when it may. */
function writeRefusal(ctx: Koa.Context, config: Readonly<Config>): [number, Parameters<typeof refuse>[2], string] | null {
  const p = ctx.state.principal as Principal | undefined;
  const authOn = config.auth.users.length > 0 || config.auth.tokens.length > 0;
  if (authOn && !p?.admin) return [403, 'CAMSTREAM_ERR_NOT_ADMIN', `${p ? `${p.kind} ${JSON.stringify(p.name)}` : 'this login'} may watch but not change camera settings: only an auth.users or auth.tokens entry with "admin": true may`];
  if (!authOn && !config.settings.anonymousEdit) {
    return [403, 'CAMSTREAM_ERR_SETTINGS_READ_ONLY', 'camera settings are read-only: add a user with "admin": true to auth.users (camstream hash-password makes its hash), or set settings.anonymousEdit to true to let anyone who reaches this page change them'];
  }
  if (ctx.get(WRITE_HEADER) !== '1') return [403, 'CAMSTREAM_ERR_CROSS_ORIGIN', `a settings change must carry the header ${WRITE_HEADER}: 1 (camstream's page sends it; a page on another site cannot)`];
  const origin = ctx.get('Origin');
  // Built here from the connection (https when TLS) and Host: Koa's ctx.origin is not this.
  const own = `${ctx.protocol}://${ctx.host}`;
  if (origin && origin !== own) return [403, 'CAMSTREAM_ERR_CROSS_ORIGIN', `a settings change from another site (Origin ${JSON.stringify(origin.slice(0, 200))}) is refused: only camstream's own page (${own}) may change settings`];
  return null;
}

/** A failed write of the state file (EACCES, EROFS, ENOSPC, …), not a bug. */
const isFsError = (err: unknown): boolean => typeof (err as NodeJS.ErrnoException)?.code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';

/** Who did it, for the log: the user or token name, else the address. */
function who(ctx: Koa.Context): string {
  const p = ctx.state.principal as Principal | undefined;
  return p ? `${p.kind}:${p.name}` : `anonymous@${clientAddress(ctx.req)}`;
}

async function readJson(ctx: Koa.Context): Promise<{ value: unknown } | string> {
  if (!ctx.is('application/json')) return 'send the settings as JSON (Content-Type: application/json)';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) return `the request body is over ${MAX_BODY} bytes`;
    chunks.push(c);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch (err) {
    return `the body is not valid JSON (${(err as Error).message})`;
  }
}

export function settingsRoutes(config: () => Readonly<Config>) {
  const controlsOf = async (ctx: Koa.Context, s: CameraSettings): Promise<Control[] | undefined> => {
    const c = await s.controls();
    if (typeof c === 'string') {
      refuse(ctx, 409, 'CAMSTREAM_ERR_NO_SETTINGS', `camera ${JSON.stringify(s.name)} has no settings to show: ${c}`);
      return undefined;
    }
    return c;
  };

  const get = async (ctx: Koa.Context, s: CameraSettings): Promise<void> => {
    const controls = await controlsOf(ctx, s);
    if (!controls) return;
    const refusal = writeRefusal(ctx, config());
    // The header and Origin checks concern writes only; a reader learns whether they may edit.
    const editable = refusal === null || refusal[1] === 'CAMSTREAM_ERR_CROSS_ORIGIN';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      camera: s.name,
      kind: s.kind(),
      editable,
      ...(editable ? {} : { readOnlyReason: refusal![2] }),
      stateFile: stateFilePath(config().settings.stateDir),
      stored: s.stored(),
      controls,
    };
  };

  const patch = async (ctx: Koa.Context, s: CameraSettings): Promise<void> => {
    const refusal = writeRefusal(ctx, config());
    if (refusal) return refuse(ctx, ...refusal);
    const body = await readJson(ctx);
    if (typeof body === 'string') return refuse(ctx, 400, 'CAMSTREAM_ERR_BAD_REQUEST', body);
    const controls = await controlsOf(ctx, s);
    if (!controls) return;
    const v = validate(controls, body.value);
    if ('problems' in v) return refuse(ctx, 400, 'CAMSTREAM_ERR_BAD_SETTING', v.problems.join('; '));
    try {
      const done = await s.apply(v.values, controls, who(ctx));
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { camera: s.name, applied: v.values, ...done, stored: s.stored() };
    } catch (err) {
      if (err instanceof SettingRefused) return refuse(ctx, 422, 'CAMSTREAM_ERR_SETTING_REFUSED', err.message);
      if (isFsError(err)) return refuse(ctx, 500, 'CAMSTREAM_ERR_INTERNAL', `could not keep the settings in ${stateFilePath(config().settings.stateDir)}: ${(err as Error).message} (is settings.stateDir writable by the service?)`);
      throw err;
    }
  };

  const reset = async (ctx: Koa.Context, s: CameraSettings): Promise<void> => {
    const refusal = writeRefusal(ctx, config());
    if (refusal) return refuse(ctx, ...refusal);
    const controls = await controlsOf(ctx, s);
    if (!controls) return;
    try {
      const done = await s.reset(who(ctx), controls);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { camera: s.name, reset: true, ...done, stored: s.stored() };
    } catch (err) {
      if (err instanceof SettingRefused) return refuse(ctx, 422, 'CAMSTREAM_ERR_SETTING_REFUSED', err.message);
      throw err;
    }
  };

  return { get, patch, reset };
}
