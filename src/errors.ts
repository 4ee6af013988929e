// Every error camstream raises on purpose carries a stable `code`; callers branch on
// the code, never on the message (the undici/fastify habit).

// Every code is listed in README.md ("Refusals and error codes") with what the user
// should do; test/http/refusal-codes-readme.test.ts keeps that table and this list equal.
export const ERROR_CODES = [
  'CAMSTREAM_ERR_CONFIG',
  'CAMSTREAM_ERR_CONFIG_FILE',
  'CAMSTREAM_ERR_NO_DEVICE',
  'CAMSTREAM_ERR_SOURCE',
  'CAMSTREAM_ERR_UPSTREAM',
  'CAMSTREAM_ERR_POOL_FULL',
  'CAMSTREAM_ERR_PER_IP',
  'CAMSTREAM_ERR_QUEUE_TIMEOUT',
  'CAMSTREAM_ERR_SHUTTING_DOWN',
  'CAMSTREAM_ERR_USAGE',
  // access control and abuse (src/http/auth.ts, access-*.ts, server.ts)
  'CAMSTREAM_ERR_AUTH_REQUIRED',
  'CAMSTREAM_ERR_AUTH_FAILED',
  'CAMSTREAM_ERR_LOCKED_OUT',
  'CAMSTREAM_ERR_AUTH_BUSY',
  'CAMSTREAM_ERR_FORBIDDEN_NETWORK',
  'CAMSTREAM_ERR_TOO_MANY_CONNECTIONS',
  'CAMSTREAM_ERR_URI_TOO_LONG',
  'CAMSTREAM_ERR_TLS',
  // HTTP refusals (src/http/refuse.ts sends every one with X-Camstream-Error: CODE)
  'CAMSTREAM_ERR_BAD_REQUEST',
  'CAMSTREAM_ERR_MALFORMED_REQUEST',
  'CAMSTREAM_ERR_REQUEST_TIMEOUT',
  'CAMSTREAM_ERR_HEADERS_TOO_LARGE',
  'CAMSTREAM_ERR_NOT_FOUND',
  'CAMSTREAM_ERR_NO_CAMERA',
  'CAMSTREAM_ERR_METRICS_DISABLED',
  'CAMSTREAM_ERR_METHOD_NOT_ALLOWED',
  'CAMSTREAM_ERR_NO_FRAME',
  'CAMSTREAM_ERR_UNKNOWN_VARIANT',
  'CAMSTREAM_ERR_QR_BUSY',
  'CAMSTREAM_ERR_QR_UNAVAILABLE',
  'CAMSTREAM_ERR_INTERNAL',
  // camera settings from the page (src/http/routes/settings.ts)
  'CAMSTREAM_ERR_NOT_ADMIN',
  'CAMSTREAM_ERR_SETTINGS_READ_ONLY',
  'CAMSTREAM_ERR_CROSS_ORIGIN',
  'CAMSTREAM_ERR_NO_SETTINGS',
  'CAMSTREAM_ERR_BAD_SETTING',
  'CAMSTREAM_ERR_SETTING_REFUSED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class CamstreamError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CamstreamError';
    this.code = code;
  }
}

/** One or more config problems; `problems` holds one line per bad key. */
export class ConfigError extends CamstreamError {
  readonly problems: string[];
  constructor(problems: string[], code: ErrorCode = 'CAMSTREAM_ERR_CONFIG') {
    super(code, `invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A viewer could not get a streaming slot; `status` is the HTTP answer for it. */
export class SlotRefused extends CamstreamError {
  readonly status: 429 | 503;
  readonly retryAfterSec: number;
  constructor(code: ErrorCode, message: string, status: 429 | 503, retryAfterSec: number) {
    super(code, message);
    this.name = 'SlotRefused';
    this.status = status;
    this.retryAfterSec = retryAfterSec;
  }
}

/** sysexits.h: EX_USAGE and EX_CONFIG. systemd's RestartPreventExitStatus=78 keys on the latter. */
export const EXIT_USAGE = 64;
export const EXIT_CONFIG = 78;

export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `${JSON.stringify(v)} (string)`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return `${JSON.stringify(v)} (array)`;
  if (typeof v === 'object') return `${JSON.stringify(v)} (object)`;
  return `${String(v)} (${typeof v})`;
}
