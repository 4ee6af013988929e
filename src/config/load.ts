// Load the config once: defaults < file < env, strictly validated, every problem
// reported at once, then deep-frozen. Only this module reads process.env.
import fs from 'node:fs';
import convict from 'convict';
import { ConfigError, describeValue } from '../errors';
import { schema, type Config } from './schema';
import { stripComments } from './example';
import { cameraProblems } from './camera-checks';
import { cameraConflicts } from './camera-conflicts';
import { takeVariants, variantProblems } from './variants';
import { loadCameras, type LoadedCameras } from './load-cameras';
import { convictProblems, lookup } from './convict-errors';

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
  sensitive?: boolean;
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

function readJson(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${file}: not valid JSON (${(err as Error).message})`], 'CAMSTREAM_ERR_CONFIG_FILE');
  }
}

/** Where a key's value came from, for the error line (and `camstream config show`). */
export function origin(key: string, file: string | null, fileData: unknown, env: NodeJS.ProcessEnv): string {
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

  // `cameras` is a map of nested settings convict cannot hold: it is checked entry by
  // entry below, against the camera part of the same schema.
  const { cameras: givenCameras, ...others } = fileData as Record<string, unknown>;
  const { rest, given: givenVariants } = takeVariants(others);
  const cfg = convict(schema as never, { env: env as Record<string, string>, args: [] });
  const problems: string[] = [];
  try {
    cfg.load(rest);
  } catch (err) {
    problems.push(`${file}: ${(err as Error).message}`);
  }

  try {
    cfg.validate({ allowed: 'strict' });
  } catch (err) {
    problems.push(
      ...convictProblems((err as Error).message, {
        raw: cfg.getProperties(),
        known: [...KEYS.keys()],
        name: (key) => key,
        where: (key) => `${key} ${origin(key, file, fileData, env)}`,
        given: (key) => lookup(fileData, key).value,
      }),
    );
  }

  let config: Config | undefined;
  if (problems.length === 0) {
    config = cfg.getProperties() as Config;
    if (givenVariants && env[KEYS.get('stream.variants')!.env!] === undefined) config.stream.variants = givenVariants.value as Config['stream']['variants'];
    const cams = loadCameras(givenCameras, config, file ?? 'the config');
    problems.push(...cams.problems);
    config.cameras = cams.cameras;
    problems.push(...crossCheck(config, cams));
    problems.push(...variantProblems(config.stream.variants, (key) => `${key} ${origin('stream.variants', file, fileData, env)}`));
  } else if (givenCameras !== undefined) {
    // Still report what is wrong in the cameras, measured against the built-in defaults.
    problems.push(...loadCameras(givenCameras, null, file ?? 'the config').problems);
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return { config: deepFreeze(config), file, notes };
}

/** Rules that tie keys together; each line still names the keys and values. */
function crossCheck(c: Config, { named, given }: LoadedCameras): string[] {
  const out: string[] = [];
  // The valid cameras (a bad one has been reported already).
  const cams = Object.entries(c.cameras);
  const total = c.stream.maxClientsTotal || c.stream.maxClients;
  const perCamera = cams.length === 0 ? c.stream.maxClients : cams.reduce((n, [, cam]) => n + cam.stream.maxClients, 0);
  const streams = Math.min(total, perCamera);
  const queues = Math.max(1, cams.length) * c.stream.queueSize;
  const needed = streams + queues + 1;
  if (c.server.maxConnections < needed) {
    const sum =
      cams.length === 0 && streams === c.stream.maxClients
        ? 'stream.maxClients + stream.queueSize + 1'
        : `the streaming slots (${streams}: stream.maxClientsTotal, or the cameras' maxClients together if fewer) + ${Math.max(1, cams.length)} × stream.queueSize + 1`;
    out.push(`server.maxConnections: expected at least ${sum} = ${needed} (room for snapshots and 503 answers), got ${c.server.maxConnections}`);
  }
  if ((c.server.tls.cert === '') !== (c.server.tls.key === '')) {
    out.push(`server.tls: expected both cert and key paths for HTTPS (or neither for HTTP), got only ${c.server.tls.cert ? 'cert' : 'key'}`);
  }
  if (c.server.maxConnectionsPerIp <= c.stream.maxClientsPerIp) {
    out.push(
      `server.maxConnectionsPerIp: expected more than stream.maxClientsPerIp (${c.stream.maxClientsPerIp}: room for its streams plus a snapshot or page), got ${c.server.maxConnectionsPerIp}`,
    );
  }
  if (!named) {
    out.push(...cameraProblems(c.camera));
  } else {
    // Every camera gets the checks the single camera gets; a value it inherits is
    // named where it was written too.
    for (const [name, cam] of cams) {
      const own = given.get(name) ?? {};
      out.push(...cameraProblems(cam, (k) => `cameras.${name}.${k}${k in own ? '' : ` (inherited from camera.${k})`}`));
    }
    out.push(...cameraConflicts(cams, given));
  }
  return out;
}

function deepFreeze<T>(o: T): Readonly<T> {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
