// While camera.source=auto shows the test pattern, watch cheaply for a camera that
// turns up late: a USB webcam that enumerates after camstream started (inotify on
// /dev through fs.watch, reacting within a second), or rpicam-vid installed or
// becoming visible on PATH. A timer every few seconds backs the watch up (fs.watch
// can fail, e.g. out of inotify watches) and covers PATH; it costs a readdir and a
// few stat() calls. Only when what it sees changes does it call `onChange`, which
// runs the real (expensive) detection — so a Pi whose rpicam-vid lists no camera does
// not run rpicam-vid every few seconds.
import fs from 'node:fs';
import { LIBCAMERA_PROGRAMS } from './libcamera';
import { whichFirst } from './which';

export interface CameraWatchOptions {
  devDir: string;
  env: NodeJS.ProcessEnv;
  /** How often the backup rescan runs, ms. */
  everyMs: number;
  /** Called (never twice at once) when a video node or a camera program appeared or went. */
  onChange: () => Promise<void>;
}

/** The video* node names in devDir (none when it cannot be read). */
export function videoNodeNames(devDir: string): string[] {
  try {
    return fs.readdirSync(devDir).filter((n) => /^video\d+$/.test(n));
  } catch {
    return [];
  }
}

function fingerprint(o: CameraWatchOptions): string {
  return `${whichFirst(LIBCAMERA_PROGRAMS, o.env.PATH)?.path ?? ''}|${videoNodeNames(o.devDir).sort().join(',')}`;
}

export class CameraWatch {
  private timer: NodeJS.Timeout | null = null;
  private settle: NodeJS.Timeout | null = null;
  private watcher: fs.FSWatcher | null = null;
  private seen: string;
  private checking = false;

  constructor(private readonly o: CameraWatchOptions) {
    this.seen = fingerprint(o);
    try {
      this.watcher = fs.watch(o.devDir, { persistent: false }, (_event, name) => {
        // udev creates the node, then sets its group and mode: give it a moment.
        if (name === null || /^video\d+$/.test(String(name))) this.soon(500);
      });
      this.watcher.on('error', () => this.closeWatcher());
    } catch {
      // No inotify (or no such folder): the timer alone still finds it.
    }
    this.timer = setInterval(() => this.check(), o.everyMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.settle) clearTimeout(this.settle);
    this.timer = this.settle = null;
    this.closeWatcher();
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = null;
  }

  private soon(ms: number): void {
    if (this.settle || !this.timer) return;
    this.settle = setTimeout(() => {
      this.settle = null;
      this.check();
    }, ms);
    this.settle.unref();
  }

  private check(): void {
    if (this.checking || !this.timer) return;
    const now = fingerprint(this.o);
    if (now === this.seen) return;
    this.seen = now;
    this.checking = true;
    void this.o.onChange().finally(() => {
      this.checking = false;
    });
  }
}
