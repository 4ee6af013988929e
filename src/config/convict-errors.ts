// Turns convict's validation message into camstream's error lines (key, where,
// expected, got). Shared by the top-level config and each entry of `cameras`, so
// a camera key says the same thing wherever it is written.
import { describeValue } from '../errors';
import { closest } from './suggest';

export interface ProblemContext {
  /** What convict holds after load (the values it validated). */
  raw: unknown;
  /** Every key the schema declares, as the user would write it. */
  known: readonly string[];
  /** Key as the user would write it, from convict's key (adds a prefix for camera entries). */
  name(key: string): string;
  /** "KEY in FILE" / "KEY from env X" / "KEY (default)", for a key as convict names it. */
  where(key: string): string;
  /** The value the user gave for a key as convict names it (a section that is not an object). */
  given(key: string): unknown;
}

export function lookup(obj: unknown, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in (cur as object))) return { found: false };
    cur = (cur as Record<string, unknown>)[part];
  }
  return { found: true, value: cur };
}

export function convictProblems(message: string, ctx: ProblemContext): string[] {
  const problems: string[] = [];
  const reported = new Set<string>();
  const lines = message.split('\n');
  // convict says "missing" both for a section given as a plain value ("stream": 5)
  // and for a key given an object ("fps": {…}); each is reported once, as what it
  // is, and not also as unknown keys below it.
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const culprit = (missingKey: string) => (isObject(ctx.given(missingKey)) ? missingKey : missingKey.split('.').slice(0, -1).join('.'));
  const culprits = lines.map((l) => /^configuration param '(.+)' missing from config/.exec(l)?.[1]).filter((k) => k !== undefined).map(culprit);
  const under = (key: string) => culprits.some((c) => key === c || key.startsWith(`${c}.`));
  for (const line of lines) {
    const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
    const missing = /^configuration param '(.+)' missing from config/.exec(line);
    if (undeclared) {
      const key = undeclared[1];
      if (under(key)) continue;
      const hint = closest(ctx.name(key), ctx.known);
      problems.push(`${ctx.where(key)}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`);
    } else if (missing) {
      const key = culprit(missing[1]);
      if (reported.has(key)) continue;
      reported.add(key);
      const what = key === missing[1] ? 'a single value, not an object' : 'an object of settings';
      problems.push(`${ctx.where(key)}: expected ${what}, got ${describeValue(ctx.given(key))}`);
    } else {
      const m = /^([\w.]+): (expected [^:]*)/.exec(line);
      if (m) {
        const key = m[1];
        problems.push(`${ctx.where(key)}: ${m[2]}, got ${describeValue(lookup(ctx.raw, key).value)}`);
      } else if (line.trim() !== '') {
        problems.push(line);
      }
    }
  }
  return problems;
}
