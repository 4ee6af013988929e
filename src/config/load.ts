// Load the config once: defaults < file < env, strictly validated, every problem
// reported at once, then deep-frozen. Only this module reads process.env.
import fs from 'node:fs';
import convict from 'convict';
import { ConfigError, describeValue } from '../errors';
import { schema, type Config } from './schema';
import { closest } from './suggest';
import { stripComments } from './example';
import { cameraProblems } from './camera-checks';

export const DEFAULT_CONFIG_PATH = '/etc/camstream.json';

export interface LoadOptions {
  /** --config PATH from the command line; wins over CAMSTREAM_CONFIG. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the default file is looked for; tests point it elsewhere. */
  defaultPath?: string;
}

export interface Loaded {
  config: Readonly<Config>;
  /** The file read, or null when none was (defaults + env only). */
  file: string | null;
  /** Lines to log once the logger exists (e.g. "no config file, using defaults"). */
  notes: string[];
}

interface Leaf {
  env?: string;
  format: unknown;
}

function leaves(node: Record<string, unknown>, prefix = '', out = new Map<string, Leaf>()): Map<string, Leaf> {
  for (const [k, v] of Object.entries(node)) {
    const name = prefix ? `${prefix}.${k}` : k;
    // A leaf has a doc; anything else is a group of keys.
    if (v && typeof v === 'object' && 'doc' in v) out.set(name, v as unknown as Leaf);
    else leaves(v as Record<string, unknown>, name, out);
  }
  return out;
}

export const KEYS: ReadonlyMap<string, Leaf> = leaves(schema as unknown as Record<string, unknown>);

function lookup(obj: unknown, path: string): { found: boolean; value?: unknown } {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !(part in (cur as object))) return { found: false };
    cur = (cur as Record<string, unknown>)[part];
  }
  return { found: true, value: cur };
}

function readJson(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${file}: not valid JSON (${(err as Error).message})`], 'CAMSTREAM_ERR_CONFIG_FILE');
  }
}

/** Where a key's value came from, for the error line. */
function origin(key: string, file: string | null, fileData: unknown, env: NodeJS.ProcessEnv): string {
  const leaf = KEYS.get(key);
  if (leaf?.env && env[leaf.env] !== undefined) return `from env ${leaf.env}`;
  if (file && lookup(fileData, key).found) return `in ${file}`;
  return '(default)';
}

export function loadConfig(opts: LoadOptions = {}): Loaded {
  const env = opts.env ?? process.env;
  const notes: string[] = [];
  const named = opts.path ?? env.CAMSTREAM_CONFIG;
  const defaultPath = opts.defaultPath ?? DEFAULT_CONFIG_PATH;
  let file: string | null = null;
  let fileData: unknown = {};

  if (named !== undefined && named !== '') {
    if (!fs.existsSync(named)) {
      throw new ConfigError([`config file ${named} does not exist (named by ${opts.path !== undefined ? '--config' : 'CAMSTREAM_CONFIG'})`], 'CAMSTREAM_ERR_CONFIG_FILE');
    }
    file = named;
  } else if (fs.existsSync(defaultPath)) {
    file = defaultPath;
  } else {
    notes.push(`no config file at ${defaultPath}: using defaults and environment`);
  }

  if (file) {
    try {
      fileData = readJson(file);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError([`${file}: cannot read (${(err as Error).message})`], 'CAMSTREAM_ERR_CONFIG_FILE');
    }
    if (fileData === null || typeof fileData !== 'object' || Array.isArray(fileData)) {
      throw new ConfigError([`${file}: expected a JSON object at the top level, got ${describeValue(fileData)}`], 'CAMSTREAM_ERR_CONFIG_FILE');
    }
    fileData = stripComments(fileData);
  }

  const cfg = convict(schema as never, { env: env as Record<string, string>, args: [] });
  const problems: string[] = [];
  try {
    cfg.load(fileData as object);
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message}`);
  }

  try {
    cfg.validate({ allowed: 'strict' });
  } catch (err) {
    const raw = cfg.getProperties();
    const reported = new Set<string>();
    for (const line of (err as Error).message.split('\n')) {
      const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
      const missing = /^configuration param '(.+)' missing from config/.exec(line);
      if (undeclared) {
        const key = undeclared[1];
        const hint = closest(key, [...KEYS.keys()]);
        problems.push(`${key} ${origin(key, file, fileData, env)}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`);
      } else if (missing) {
        const parent = missing[1].split('.').slice(0, -1).join('.');
        if (reported.has(parent)) continue;
        reported.add(parent);
        const got = lookup(fileData, parent);
        problems.push(`${parent} ${origin(parent, file, fileData, env)}: expected an object of settings, got ${describeValue(got.value)}`);
      } else {
        const m = /^([\w.]+): (expected [^:]*)/.exec(line);
        if (m) {
          const key = m[1];
          problems.push(`${key} ${origin(key, file, fileData, env)}: ${m[2]}, got ${describeValue(lookup(raw, key).value)}`);
        } else if (line.trim() !== '') {
          problems.push(line);
        }
      }
    }
  }

  const config = problems.length === 0 ? (cfg.getProperties() as Config) : undefined;
  if (config) problems.push(...crossCheck(config));
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return { config: deepFreeze(config), file, notes };
}

/** Rules that tie keys together; each line still names the keys and values. */
function crossCheck(c: Config): string[] {
  const out: string[] = [];
  const needed = c.stream.maxClients + c.stream.queueSize + 1;
  if (c.server.maxConnections < needed) {
    out.push(
      `server.maxConnections: expected at least stream.maxClients + stream.queueSize + 1 = ${needed} (room for snapshots and 503 answers), got ${c.server.maxConnections}`,
    );
  }
  if ((c.server.tls.cert === '') !== (c.server.tls.key === '')) {
    out.push(`server.tls: expected both cert and key paths for HTTPS (or neither for HTTP), got only ${c.server.tls.cert ? 'cert' : 'key'}`);
  }
  if (c.server.maxConnectionsPerIp <= c.stream.maxClientsPerIp) {
    out.push(
      `server.maxConnectionsPerIp: expected more than stream.maxClientsPerIp (${c.stream.maxClientsPerIp}: room for its streams plus a snapshot or page), got ${c.server.maxConnectionsPerIp}`,
    );
  }
  if (c.camera.source === 'files' && c.camera.dir === '') {
    out.push('camera.dir: expected a folder of JPEG files when camera.source is "files", got "" (string)');
  }
  if (c.camera.fourcc !== '' && c.camera.fourcc.length !== 4) {
    out.push(`camera.fourcc: expected 4 characters such as "MJPG" or "YUYV", or "", got ${describeValue(c.camera.fourcc)}`);
  }
  out.push(...cameraProblems(c.camera));
  return out;
}

function deepFreeze<T>(o: T): Readonly<T> {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
