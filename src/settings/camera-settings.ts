// One camera's settings from the page: what it can do (asked of the camera itself),
// the values changed from the page (kept in the state file), and applying them —
// live for a USB webcam (v4l2-ctl -c), by restarting rpicam-vid for a Pi camera
// (CameraPipeline.setOverrides: viewers stay connected and see the gap).
import { LIBCAMERA_PROGRAMS } from '../capture/libcamera';
import { classifyDevice } from '../capture/opencv';
import type { Logger } from '../log';
import type { CameraPipeline } from '../pipeline/camera-pipeline';
import { keepValid, type Control, type Values } from './controls';
import { cameraOverrides, libcameraControls, libcameraExtraArgs } from './libcamera-controls';
import { parseRpicamList, type ListedPiCamera } from './rpicam-list';
import { runTool } from '../capture/run-tool';
import type { SettingsStore } from './store';
import { probeUsb, setV4l2, usbControls } from './v4l2-settings';

export type SettingsKind = 'libcamera' | 'usb';

/** What applying a change did. */
export interface Applied {
  restarted: boolean;
  /** Picture gap of the restart, ms (null when nothing restarted). */
  gapMs: number | null;
}

/** The camera refused a value (v4l2-ctl failed): nothing was stored. */
export class SettingRefused extends Error {}

export class CameraSettings {
  private listed: ListedPiCamera | null = null;
  /** Changes run one at a time per camera. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pipeline: CameraPipeline,
    private readonly store: SettingsStore,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: Logger,
  ) {}

  get name(): string {
    return this.pipeline.name;
  }

  /** Which kind of settings this camera has; null (with why) for sources without any. */
  kind(): SettingsKind | string {
    const cam = this.pipeline.configEntry.camera;
    if (cam.source === 'libcamera') return 'libcamera';
    if (cam.source === 'opencv' && classifyDevice(cam.device).kind === 'v4l2') return 'usb';
    if (cam.source === 'auto') return 'camera.source is auto: settings need a named camera (source libcamera, or opencv with a device; camstream list-cameras prints the section)';
    return `camera.source ${cam.source} has no camera settings`;
  }

  stored(): Values {
    return this.store.get(this.name);
  }

  /** Every control with its current value; a string says why there are none. */
  async controls(): Promise<Control[] | string> {
    const kind = this.kind();
    const cam = this.pipeline.configEntry.camera;
    const values = this.stored();
    if (kind === 'libcamera') {
      if (!this.listed) {
        const r = await runTool(LIBCAMERA_PROGRAMS, ['--list-cameras'], this.env);
        if (!r) return 'rpicam-vid is not installed (apt install rpicam-apps)';
        const found = parseRpicamList(r.out).find((c) => c.index === cam.index);
        if (!found) return `rpicam-vid --list-cameras does not list camera ${cam.index}${r.err ? ` (${r.err})` : ''}`;
        // The sensor does not change while running: asked once.
        this.listed = found;
      }
      return libcameraControls(this.listed, cam, values);
    }
    if (kind === 'usb') {
      const probe = await probeUsb(cam, this.env);
      return typeof probe === 'string' ? probe : usbControls(probe, cam, values);
    }
    return kind;
  }

  /** Apply validated values (validate() first), store them, log who did it. */
  apply(values: Values, controls: Control[], who: string): Promise<Applied> {
    return this.serial(async () => {
      const live = Object.fromEntries(Object.entries(values).filter(([k]) => controls.find((c) => c.name === k)?.apply === 'live'));
      if (Object.keys(live).length) {
        const refused = await setV4l2(this.pipeline.configEntry.camera, live, this.env);
        if (refused) throw new SettingRefused(`the camera refused ${Object.keys(live).join(', ')}: ${refused}`);
      }
      const before = this.stored();
      const merged = { ...before, ...values };
      this.store.set(this.name, merged);
      const restart = Object.keys(values).some((k) => !(k in live) && JSON.stringify(before[k]) !== JSON.stringify(values[k]));
      const gapMs = restart ? await this.pipeline.setOverrides(this.overridesFor(merged, controls), `camera restarting for settings from the page (${Object.keys(values).join(', ')})`) : null;
      this.log.info({ user: who, changed: values, restarted: restart, gapMs }, 'camera settings changed');
      return { restarted: restart, gapMs };
    });
  }

  /** Back to the config file: stored values forgotten, live controls set to their defaults, the camera restarted if needed. */
  reset(who: string, controls: Control[]): Promise<Applied> {
    return this.serial(async () => {
      const before = this.stored();
      const live = Object.fromEntries(controls.filter((c) => c.apply === 'live' && c.name in before).map((c) => [c.name, c.default]));
      if (Object.keys(live).length) {
        const refused = await setV4l2(this.pipeline.configEntry.camera, live, this.env);
        if (refused) throw new SettingRefused(`the camera refused its defaults: ${refused}`);
      }
      this.store.set(this.name, {});
      const restart = Object.keys(before).some((k) => !(k in live));
      const gapMs = restart ? await this.pipeline.setOverrides({ camera: {}, libcameraArgs: [] }, 'camera restarting: settings reset to the config file') : null;
      this.log.info({ user: who, forgotten: Object.keys(before), restarted: restart, gapMs }, 'camera settings reset to the config file');
      return { restarted: restart, gapMs };
    });
  }

  /**
   * At start, before the camera starts: stored values that still fit the camera are
   * taken; the others (a different camera now, a control it lacks, a value out of its
   * range) are dropped with a log line. Never throws: a camera that cannot be asked
   * starts with the config file's values.
   */
  async restore(): Promise<void> {
    const stored = this.stored();
    if (Object.keys(stored).length === 0) return;
    try {
      const controls = await this.controls();
      if (typeof controls === 'string') {
        this.log.warn({ reason: controls, ignored: stored }, 'stored camera settings ignored: the camera could not be asked what it can do; starting with the config file values');
        return;
      }
      const { kept, dropped } = keepValid(controls, stored);
      if (dropped.length) this.log.warn({ dropped }, 'stored camera settings ignored: they do not fit this camera (state file from another camera or version)');
      const live = Object.fromEntries(Object.entries(kept).filter(([k]) => controls.find((c) => c.name === k)?.apply === 'live'));
      if (Object.keys(live).length) {
        const refused = await setV4l2(this.pipeline.configEntry.camera, live, this.env);
        if (refused) this.log.warn({ reason: refused, ignored: live }, 'stored camera settings refused by the camera');
      }
      await this.pipeline.setOverrides(this.overridesFor(kept, controls), 'stored settings');
      this.store.set(this.name, kept, false);
      this.log.info({ settings: kept }, 'camera settings restored from the state file');
    } catch (err) {
      this.log.warn({ err }, 'stored camera settings ignored');
    }
  }

  private overridesFor(values: Values, controls: Control[]) {
    const restartOnly = Object.fromEntries(Object.entries(values).filter(([k]) => controls.find((c) => c.name === k)?.apply !== 'live'));
    return { camera: cameraOverrides(restartOnly), libcameraArgs: this.kind() === 'libcamera' ? libcameraExtraArgs(restartOnly) : [] };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
