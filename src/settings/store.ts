// The stored settings of every camera, in memory and in the state file
// (state-file.ts). Each change is written at once: a Pi may lose power any time.
import type { Logger } from '../log';
import type { Values } from './controls';
import { readState, stateFilePath, writeState, type StateData } from './state-file';

export class SettingsStore {
  private data: StateData;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {
    const r = readState(dir);
    if (r.problem) log.warn({ file: stateFilePath(dir), reason: r.problem }, 'settings state file ignored: starting with the config file values');
    this.data = r.data;
  }

  get(camera: string): Values {
    return { ...(this.data.cameras[camera] ?? {}) };
  }

  /** Replace one camera's values; written to disk unless `save` is false (start-up pruning: nothing changed on disk's account). */
  set(camera: string, values: Values, save = true): void {
    if (Object.keys(values).length) this.data.cameras[camera] = { ...values };
    else delete this.data.cameras[camera];
    if (save) writeState(this.dir, this.data);
  }
}
