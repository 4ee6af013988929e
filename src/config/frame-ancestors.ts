// http.frameAncestors validation: which CSP frame-ancestors sources the config may
// hold. Lives with the config (its only user); http/security-headers.ts turns a valid
// list into headers.

/** One CSP frame-ancestors source: 'self', 'none', *, a scheme ("https:") or an origin with optional wildcard host and port. */
const SOURCE = /^(?:'self'|'none'|\*|[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*:\/\/)?(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::(?:\d{1,5}|\*))?)$/i;

/** What is wrong with a frameAncestors list, or null. */
export function frameAncestorsProblem(v: unknown): string | null {
  if (!Array.isArray(v) || v.length === 0 || Object.keys(v).some((k) => !/^\d+$/.test(k))) return `expected a non-empty list such as ["'self'"] (add your dashboard's origin to allow embedding)`;
  for (const s of v) {
    if (typeof s !== 'string' || !SOURCE.test(s)) {
      return `expected each entry to be "'self'", "'none'", "*" or a host with optional scheme and port such as "homeassistant.local" (no spaces, quotes or semicolons); ${JSON.stringify(s)} is not`;
    }
  }
  if (v.includes("'none'") && v.length > 1) return `expected "'none'" alone (it cannot be combined with other sources)`;
  return null;
}
