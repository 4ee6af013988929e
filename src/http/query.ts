// Query parsing that refuses what it does not understand instead of guessing.
import type { ParsedUrlQuery } from 'node:querystring';
import { CamstreamError } from '../errors';

/** A request camstream cannot use; app.ts answers it 400 CAMSTREAM_ERR_BAD_REQUEST with the message. */
export class BadRequest extends CamstreamError {
  readonly status = 400;
  constructor(message: string) {
    super('CAMSTREAM_ERR_BAD_REQUEST', message);
    this.name = 'BadRequest';
  }
}

/** A single-valued query parameter; repeated parameters are an error, not "take the first". */
export function single(query: ParsedUrlQuery, name: string): string | undefined {
  const v = query[name];
  if (Array.isArray(v)) throw new BadRequest(`query parameter "${name}" given ${v.length} times; give it once`);
  return v;
}

/**
 * ?fps=N for one viewer: a number > 0, capped at stream.maxFps. Absent → maxFps.
 * Returns the cap to apply.
 */
export function parseFps(query: ParsedUrlQuery, maxFps: number): number {
  const raw = single(query, 'fps');
  if (raw === undefined || raw === '') return maxFps;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !Number.isFinite(n) || n <= 0) {
    throw new BadRequest(`fps: expected a number greater than 0 (at most ${maxFps}), got ${JSON.stringify(raw)}`);
  }
  return Math.min(n, maxFps);
}
