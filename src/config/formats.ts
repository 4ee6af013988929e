// Convict formats that say what they expect. Each throws a message of the form
// "expected …", and load.ts adds the key, the file and what it got.
import convict from 'convict';

const registered = new Set<string>();

function register(name: string, validate: (v: unknown) => void, coerce?: (v: string) => unknown): string {
  if (!registered.has(name)) {
    convict.addFormat({ name, validate, coerce });
    registered.add(name);
  }
  return name;
}

/** An integer in [min, max]; env strings are coerced ("8080" → 8080, "lots" stays a string and fails). */
export function intRange(min: number, max: number): string {
  return register(
    `int ${min}..${max}`,
    (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        throw new Error(`expected an integer ${min}..${max}`);
      }
    },
    (v) => (/^-?\d+$/.test(v.trim()) ? Number(v) : v),
  );
}

/** A number in [min, max] (fractions allowed). */
export function numberRange(min: number, max: number): string {
  return register(
    `number ${min}..${max}`,
    (v) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
        throw new Error(`expected a number ${min}..${max}`);
      }
    },
    (v) => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v),
  );
}

export function oneOf(values: readonly (string | number)[]): string {
  return register(
    `one of ${values.join('|')}`,
    (v) => {
      if (!values.includes(v as string | number)) {
        throw new Error(`expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
      }
    },
    (v) => (values.every((x) => typeof x === 'number') && /^-?\d+$/.test(v) ? Number(v) : v),
  );
}

export const bool = register(
  'boolean',
  (v) => {
    if (typeof v !== 'boolean') throw new Error('expected true or false');
  },
  (v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v),
);

export const text = register('text', (v) => {
  if (typeof v !== 'string') throw new Error('expected a string');
});

export const nonEmptyText = register('non-empty text', (v) => {
  if (typeof v !== 'string' || v.trim() === '') throw new Error('expected a non-empty string');
});

/** A list of strings; from env, a comma-separated list. */
export const textList = register(
  'list of strings',
  (v) => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error('expected an array of strings');
  },
  (v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''),
);
