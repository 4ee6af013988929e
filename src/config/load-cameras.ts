// The `cameras` section, entry by entry. convict cannot validate a map of nested
// settings, so each entry gets a convict instance of its own built from the camera
// part of the schema: every camera key has the same format and the same error text
// as under `camera`, and the line names the camera (cameras.nozzle.fps: expected …).
// The top-level camera section, as loaded (file and env), is each entry's defaults.
import convict from 'convict';
import { describeValue } from '../errors';
import { convictProblems, lookup } from './convict-errors';
import { schema, type CameraSettings, type Config } from './schema';

/** URL-safe: the name is a path segment of /cam/NAME/stream. */
export const CAMERA_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The keys of `stream` a camera may set for itself. */
const PER_CAMERA_STREAM = ['maxClients', 'maxFps'] as const;

type Leaf = { doc: string; format: unknown; default: unknown };
type Defaults = { camera: Record<string, unknown>; stream: Record<string, unknown> };

function builtInDefaults(): Defaults {
  const pick = (section: Record<string, Leaf>) => Object.fromEntries(Object.entries(section).map(([k, l]) => [k, l.default]));
  return { camera: pick(schema.camera as Record<string, Leaf>), stream: pick(schema.stream as Record<string, Leaf>) };
}

/** The camera schema with the loaded values as defaults and no env (env already set the defaults). */
function entrySchema(d: Defaults): Record<string, unknown> {
  const leaf = (l: Leaf, value: unknown) => ({ doc: l.doc, format: l.format, default: value });
  const out: Record<string, unknown> = {};
  for (const [k, l] of Object.entries(schema.camera as Record<string, Leaf>)) out[k] = leaf(l, d.camera[k]);
  out.stream = Object.fromEntries(PER_CAMERA_STREAM.map((k) => [k, leaf((schema.stream as Record<string, Leaf>)[k], d.stream[k])]));
  return out;
}

export interface LoadedCameras {
  /** True when `cameras` names at least one camera (valid or not): the camera section is then only defaults. */
  named: boolean;
  /** Valid entries with every key resolved, in file order. */
  cameras: Record<string, CameraSettings>;
  /** What each entry wrote itself (to tell inherited values from its own in messages). */
  given: Map<string, Readonly<Record<string, unknown>>>;
  problems: string[];
}

/**
 * `top` is the loaded config (its camera section and stream limits are the
 * defaults); null when the rest of the config failed, to still report the
 * cameras' own mistakes against the built-in defaults.
 */
export function loadCameras(given: unknown, top: Readonly<Config> | null, file: string): LoadedCameras {
  const out: LoadedCameras = { named: false, cameras: {}, given: new Map(), problems: [] };
  if (given === undefined) return out;
  out.named = given !== null && typeof given === 'object' && Object.keys(given).length > 0;
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    out.problems.push(`cameras in ${file}: expected an object of named cameras such as {"front": {"source": "libcamera"}, "nozzle": {…}}, got ${describeValue(given)}`);
    return out;
  }
  const defaults: Defaults = top ? { camera: { ...top.camera }, stream: { ...top.stream } } : builtInDefaults();
  const entry = entrySchema(defaults);
  const known = [...Object.keys(schema.camera), ...PER_CAMERA_STREAM.map((k) => `stream.${k}`)];

  for (const [name, value] of Object.entries(given as Record<string, unknown>)) {
    const prefix = `cameras.${name}`;
    let ok = true;
    if (!CAMERA_NAME.test(name)) {
      ok = false;
      out.problems.push(
        `${prefix} in ${file}: expected a camera name of a-z, 0-9, "_" and "-" starting with a letter or digit, at most 32 characters (it is part of the camera's URLs, /cam/NAME/stream), got ${describeValue(name)}`,
      );
    } else if (/^\d+$/.test(name)) {
      // JavaScript puts such keys first, in numeric order, whatever the file says,
      // and the order is the camera's index.
      ok = false;
      out.problems.push(`${prefix} in ${file}: expected a camera name that is not only digits (JSON objects do not keep those in file order, and the order is the index), e.g. "cam${name}", got ${describeValue(name)}`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      out.problems.push(`${prefix} in ${file}: expected an object of camera settings (any camera.* key, and stream.maxClients / stream.maxFps), got ${describeValue(value)}`);
      continue;
    }
    const cfg = convict(entry as never, { env: {}, args: [] });
    try {
      cfg.load(value);
      cfg.validate({ allowed: 'strict' });
    } catch (err) {
      ok = false;
      out.problems.push(
        ...convictProblems((err as Error).message, {
          raw: cfg.getProperties(),
          known: known.map((k) => `${prefix}.${k}`),
          name: (k) => `${prefix}.${k}`,
          where: (k) => `${prefix}.${k} in ${file}`,
          given: (k) => lookup(value, k).value,
        }).map((line) => (line.startsWith(prefix) ? line : `${prefix} in ${file}: ${line}`)),
      );
    }
    if (ok) {
      out.cameras[name] = cfg.getProperties() as CameraSettings;
      out.given.set(name, value as Record<string, unknown>);
    }
  }
  return out;
}
