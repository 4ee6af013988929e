// stream.variants, checked field by field: each problem names the exact key
// (stream.variants.low.width), what was expected and what was given, like every
// other config line. Also the one place that turns the config into the list of
// variants the rest of camstream uses (sorted largest first: the auto ladder).
import { describeValue } from '../errors';
import type { Config } from './schema';

export interface VariantSpec {
  name: string;
  width: number;
  quality: number;
}

/** Names a viewer may not give a variant: they mean something else in ?variant=. */
export const RESERVED_VARIANT_NAMES = ['auto', 'full'] as const;
export const DEFAULT_VARIANT_QUALITY = 70;
const NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const FIELDS = ['width', 'quality'];

const isInt = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** One line per problem; `where(key)` adds where the key came from ("in FILE", "from env …"). */
export function variantProblems(variants: unknown, where: (key: string) => string = (k) => k): string[] {
  if (variants === null || typeof variants !== 'object' || Array.isArray(variants)) {
    return [`${where('stream.variants')}: expected an object of named variants such as {"low": {"width": 320}}, got ${describeValue(variants)}`];
  }
  const out: string[] = [];
  for (const [name, v] of Object.entries(variants as Record<string, unknown>)) {
    const key = `stream.variants.${name}`;
    if (!NAME.test(name) || (RESERVED_VARIANT_NAMES as readonly string[]).includes(name)) {
      out.push(`${where(key)}: expected a variant name of a-z, 0-9, _ and - (up to 32 characters, starting with a letter; not "auto" or "full"), got ${JSON.stringify(name)}`);
      continue;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      out.push(`${where(key)}: expected an object such as {"width": 320, "quality": 50}, got ${describeValue(v)}`);
      continue;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o).filter((k) => !FIELDS.includes(k))) out.push(`${where(`${key}.${k}`)}: unknown key (expected "width" and optionally "quality")`);
    if (!('width' in o)) out.push(`${where(`${key}.width`)}: expected an integer 16..7680 (the variant's width in pixels), got nothing`);
    else if (!isInt(o.width, 16, 7680)) out.push(`${where(`${key}.width`)}: expected an integer 16..7680, got ${describeValue(o.width)}`);
    if ('quality' in o && !isInt(o.quality, 1, 100)) out.push(`${where(`${key}.quality`)}: expected an integer 1..100, got ${describeValue(o.quality)}`);
  }
  return out;
}

/** The configured variants, largest first. The config has been checked. */
export function variantsOf(config: Readonly<Config>): VariantSpec[] {
  return Object.entries(config.stream.variants ?? {})
    .map(([name, v]) => ({ name, width: v.width, quality: v.quality ?? DEFAULT_VARIANT_QUALITY }))
    .sort((a, b) => b.width - a.width || a.name.localeCompare(b.name));
}

/** A variant's picture for a camera picture of `width`x`height`: the height keeps the aspect ratio (even, as encoders like), never larger than the source. */
export function variantSize(spec: Pick<VariantSpec, 'width'>, width: number, height: number): { width: number; height: number } {
  if (spec.width >= width || width <= 0 || height <= 0) return { width, height };
  const h = Math.max(2, Math.round((height * spec.width) / width / 2) * 2);
  return { width: spec.width, height: h };
}

/**
 * convict cannot load an object-valued key from a file (it walks into the object
 * and fails on the first name). load.ts takes stream.variants out of the file's data
 * before convict sees it and puts it back afterwards (the environment, which convict
 * reads itself, still wins over the file).
 */
export function takeVariants(fileData: Record<string, unknown>): { rest: Record<string, unknown>; given?: { value: unknown } } {
  const stream = fileData.stream;
  if (stream === null || typeof stream !== 'object' || Array.isArray(stream) || !('variants' in stream)) return { rest: fileData };
  const { variants, ...others } = stream as Record<string, unknown>;
  return { rest: { ...fileData, stream: others }, given: { value: variants } };
}
