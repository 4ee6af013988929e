// Convict formats that say what they expect. Each throws a message of the form
// "expected …", and load.ts adds the key, the file and what it got.
import { describeValue } from '../errors';
import convict from 'convict';
import { parseHash } from '../auth/scrypt';
import { tokenEntryProblem } from '../auth/tokens';
import { parseCidr } from '../net/cidr';
import { frameAncestorsProblem } from './frame-ancestors';

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

/**
 * cameras: an object of named cameras. load.ts takes it out before convict (convict
 * cannot hold a map of nested settings) and checks each entry itself; this only
 * guards the shape of what convict keeps.
 */
export const cameraMap = register('map of cameras', (v) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected an object of named cameras such as {"front": {…}}');
});

/**
 * stream.variants: an object of named variants. Only its shape is checked here; each
 * name and field is checked by config/variants.ts, whose lines name the exact key
 * (stream.variants.low.width) with what it expected and got.
 */
export const variantMap = register(
  'map of variants',
  (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object of named variants, each with a width in pixels');
  },
  (v) => {
    const s = v.trim();
    if (!s.startsWith('{')) return v;
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return v;
    }
  },
);

/** A list of strings; from env, a comma-separated list. */
export const textList = register(
  'list of strings',
  (v) => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error('expected an array of strings');
  },
  (v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''),
);

// --- access control (auth.*, server.allow, server.tls, http.frameAncestors) ---
// Messages about users and tokens never quote the entries: they hold secrets or hashes.

/** From env: a JSON array (`[{"name":"ana","passwordHash":"scrypt$…"}]`). */
const jsonArray = (v: string): unknown => {
  const s = v.trim();
  if (!s.startsWith('[')) return v;
  try {
    return JSON.parse(s);
  } catch {
    return v;
  }
};

/**
 * convict merges a JSON object given for an array-valued key into the default []
 * as named properties, leaving an empty array: `"users": {"ana": "…"}` would turn
 * auth silently off. Catch that shape here.
 */
function isPlainList(v: unknown): v is unknown[] {
  return Array.isArray(v) && Object.keys(v).every((k) => /^\d+$/.test(k));
}

function listProblem(v: unknown, what: string, entry: (e: unknown) => string | null): string | null {
  if (!isPlainList(v)) return `${what} must be a JSON array [ … ] (an object or ${typeof v} was given)`;
  for (let i = 0; i < v.length; i++) {
    const p = entry(v[i]);
    if (p) return `entry ${i + 1} of ${v.length}${(v[i] as { name?: unknown })?.name !== undefined ? ` (${JSON.stringify((v[i] as { name?: unknown }).name)})` : ''} ${p}`;
  }
  const names = v.map((e) => (e as { name: string }).name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) return `name ${JSON.stringify(dup)} is used twice (expected unique names)`;
  return null;
}

/** auth.users: [{ name, passwordHash }] with hashes from `camstream hash-password`. */
export const userList = register(
  'list of users',
  (v) => {
    const p = listProblem(v, 'users', (e) => {
      if (!e || typeof e !== 'object' || Array.isArray(e)) return 'is not an object with "name" and "passwordHash"';
      const u = e as Record<string, unknown>;
      const extra = Object.keys(u).filter((k) => k !== 'name' && k !== 'passwordHash' && k !== 'admin');
      if (extra.length > 0) return `has unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')} (expected "name", "passwordHash" and optionally "admin"; never put a plain password here)`;
      if (u.admin !== undefined && typeof u.admin !== 'boolean') return `has "admin" ${describeValue(u.admin)}: expected true or false`;
      if (typeof u.name !== 'string' || u.name === '' || u.name.includes(':') || /[\0-\x1f]/.test(u.name)) return 'has no usable "name" (expected a non-empty string without ":" or control characters)';
      try {
        parseHash(u.passwordHash);
      } catch (err) {
        return `has a bad "passwordHash": ${(err as Error).message}`;
      }
      return null;
    });
    if (p) throw new Error(p);
  },
  jsonArray,
);

/** auth.tokens: [{ name, token } | { name, tokenHash }]. */
export const tokenList = register(
  'list of tokens',
  (v) => {
    const p = listProblem(v, 'tokens', tokenEntryProblem);
    if (p) throw new Error(p);
  },
  jsonArray,
);

/** server.allow: CIDR networks; from env a comma-separated list. */
export const cidrList = register(
  'list of CIDR networks',
  (v) => {
    if (!isPlainList(v)) throw new Error('expected a list of networks such as ["192.168.1.0/24"]');
    for (const c of v) {
      if (typeof c !== 'string') throw new Error('expected a list of network strings such as ["192.168.1.0/24"]');
      parseCidr(c);
    }
  },
  (v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''),
);

/** http.frameAncestors: CSP frame-ancestors sources; from env a comma-separated list. */
export const frameAncestorList = register(
  'frame-ancestors sources',
  (v) => {
    const p = frameAncestorsProblem(v);
    if (p) throw new Error(p);
  },
  (v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''),
);

/** auth.realm: shown by the browser's login prompt; goes inside a quoted header value. */
export const realmText = register('realm', (v) => {
  if (typeof v !== 'string' || v === '' || v.length > 100 || /["\\\0-\x1f\x7f]/.test(v)) {
    throw new Error('expected 1..100 printable characters without quotes or backslashes');
  }
});
