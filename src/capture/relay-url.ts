// camera.url for the http relay: the one rule for what it must be (config/load.ts
// checks it when the file is read, the relay again when it starts) and the one way
// to show it. A URL can carry a password (user:pass@), a lone user part that is
// really a token (TOKEN@host), a token in the query (?token=, ?key=, ?sig=, …) or
// in the fragment: none of it may reach a log line, an error or /api/status.

const HIDDEN = '***';

/**
 * Query parameters whose values are shown. Every other value is hidden: secret
 * parameters have too many names (?k=, ?auth=, ?X-Amz-Signature=, ?apikey=) for a
 * list of secret names to be safe, while the harmless ones people need in order to
 * recognise their URL are few (mjpg-streamer's ?action=stream, IP cameras' channel).
 */
const SHOWN_PARAMS = new Set(['action', 'channel', 'subtype', 'stream', 'camera', 'fps', 'resolution', 'width', 'height', 'quality', 'format']);

/** What is shown instead of a URL that does not parse (its text may hold a password). */
export const UNPARSEABLE_URL = '(not a valid URL; not shown, as it may hold a password)';

/** The URL with its secrets replaced by ***, for logs, errors and /api/status. */
export function redactUrl(url: URL | string): string {
  let u: URL;
  try {
    u = new URL(typeof url === 'string' ? url : url.href);
  } catch {
    return UNPARSEABLE_URL;
  }
  // user:pass@ → user:***@ (the name says whom, not the secret); a lone TOKEN@ → ***@.
  if (u.password) u.password = HIDDEN;
  else if (u.username) u.username = HIDDEN;
  if (u.search.length > 1) u.search = u.search.slice(1).split('&').map(redactParam).join('&');
  if (u.hash.length > 1) u.hash = HIDDEN;
  return u.href;
}

function redactParam(pair: string): string {
  if (pair === '') return pair;
  const eq = pair.indexOf('=');
  // A bare ?word may itself be the key (some cameras take ?<key>).
  if (eq < 0) return SHOWN_PARAMS.has(decodeName(pair)) ? pair : HIDDEN;
  const name = pair.slice(0, eq);
  return SHOWN_PARAMS.has(decodeName(name)) ? pair : `${name}=${HIDDEN}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return '';
  }
}

/** Why `raw` cannot be relayed ("expected …, got …", secrets hidden), or null when it can. */
export function relayUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    const got = raw.trim() === '' ? JSON.stringify(raw) : `a text that is not a URL (${raw.length} characters, not shown: it may hold a password)`;
    return `expected an http:// or https:// URL of an MJPEG stream when camera.source is "http", got ${got}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `expected an http:// or https:// URL, got ${JSON.stringify(url.protocol)} in ${JSON.stringify(redactUrl(url))}`;
  }
  return null;
}
