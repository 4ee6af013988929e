// `camstream config show [--config PATH]`: every key's effective value and where it
// came from (default, the config file, an environment variable), then the camera
// settings changed from the page (the state file, settings.stateDir), which camstream
// lays over those at start. Secrets (users, tokens) are counted, never printed.
import fs from 'node:fs';
import { camerasOf } from './cameras';
import { lookup } from './convict-errors';
import { stripComments } from './example';
import { KEYS, origin, type Loaded } from './load';
import { readState, stateFilePath } from '../settings/state-file';
import { cameraOverrides } from '../settings/libcamera-controls';

function fileData(file: string | null): unknown {
  if (!file) return {};
  try {
    return stripComments(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return {};
  }
}

export function configShow(loaded: Loaded, env: NodeJS.ProcessEnv): string {
  const data = fileData(loaded.file);
  const lines: string[] = [`# effective configuration (${loaded.file ?? 'no config file: defaults and environment'})`];
  for (const [key, leaf] of KEYS) {
    if (key === 'cameras') continue;
    const value = lookup(loaded.config, key).value;
    const shown = leaf.sensitive && Array.isArray(value) ? `(${value.length} entr${value.length === 1 ? 'y' : 'ies'}, not shown)` : JSON.stringify(value);
    lines.push(`${key} = ${shown}  ${origin(key, loaded.file, data, env)}`);
  }
  for (const c of camerasOf(loaded.config)) {
    if (c.name === 'default') break;
    lines.push(`cameras.${c.name} = ${JSON.stringify(c.camera)}  in ${loaded.file}`);
  }
  const dir = loaded.config.settings.stateDir;
  const state = readState(dir);
  lines.push('', `# camera settings changed from the page (${stateFilePath(dir)}), laid over the above at start`);
  if (state.problem) lines.push(`(ignored: ${state.problem})`);
  const cams = Object.entries(state.data.cameras);
  if (cams.length === 0 && !state.problem) lines.push('(none)');
  const known = new Set(camerasOf(loaded.config).map((c) => c.name));
  for (const [name, values] of cams) {
    const where = known.has(name) ? '' : ' (no camera by that name in the config: ignored)';
    for (const [k, v] of Object.entries(values)) lines.push(`${name}: ${k} = ${JSON.stringify(v)}  from the state file${where}`);
    const over = cameraOverrides(values);
    for (const [k, v] of Object.entries(over)) lines.push(`${name}: camera.${k} = ${JSON.stringify(v)}  from the state file (over the config's value)`);
  }
  return `${lines.join('\n')}\n`;
}
