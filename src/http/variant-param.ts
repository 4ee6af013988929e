// ?variant= on /stream and /snapshot: full (or absent) = the camera's own frames,
// NAME = a stream.variants picture, auto (streams only) = auto-variant.ts chooses.
// A name that is not configured is refused (400 CAMSTREAM_ERR_UNKNOWN_VARIANT)
// before a slot is taken, never silently served at full size.
import type { ParsedUrlQuery } from 'node:querystring';
import { CamstreamError } from '../errors';
import { single } from './query';

export type VariantChoice = { variant: string | null; auto: boolean };

export class UnknownVariant extends CamstreamError {
  readonly status = 400;
  constructor(message: string) {
    super('CAMSTREAM_ERR_UNKNOWN_VARIANT', message);
    this.name = 'UnknownVariant';
  }
}

export function parseVariant(query: ParsedUrlQuery, names: readonly string[], allowAuto: boolean): VariantChoice {
  const raw = single(query, 'variant');
  if (raw === undefined || raw === '' || raw === 'full') return { variant: null, auto: false };
  if (raw === 'auto' && allowAuto) return { variant: null, auto: true };
  if (names.includes(raw)) return { variant: raw, auto: false };
  const choices = [...names, 'full', ...(allowAuto ? ['auto'] : [])].map((n) => JSON.stringify(n)).join(', ');
  throw new UnknownVariant(`variant: expected one of ${choices} (stream.variants), got ${JSON.stringify(raw.slice(0, 64))}`);
}
