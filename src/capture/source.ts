// What every frame source is: something that, once started, hands JPEG bytes to a
// sink until stopped, and reports failure through the same sink. One file per kind
// of source implements this (testpattern.ts, opencv.ts, files.ts, …).

export interface FrameInfo {
  width: number;
  height: number;
  /** How long camstream's JPEG encode of this frame took, ms; absent when the source did not encode (/metrics). */
  encodeMs?: number;
  /** The source keeps this Buffer and hands it over again (files): not new memory, so not frame garbage (platform/frame-garbage.ts). */
  kept?: boolean;
}

export interface FrameSink {
  /** A complete JPEG (FFD8…FFD9). The source must not modify the Buffer afterwards. */
  frame(jpeg: Buffer, info?: FrameInfo): void;
  /** The source failed or ended; it will deliver nothing more until restarted. */
  fail(err: Error): void;
  /** The source switched, while running, to capturing from something else (auto found a
   *  camera): describe() and selection() changed. */
  switched?(): void;
}

export interface FrameSource {
  /** Source kind from config, e.g. "testpattern". */
  readonly kind: string;
  /** One line for logs and /api/status, e.g. "opencv /dev/video0 MJPG 640x480@15". */
  describe(): string;
  /** Begin delivering frames to `sink`. Resolves once the device is open. */
  start(sink: FrameSink): Promise<void>;
  /** For sources that choose among others (auto): what was picked and why, once known. */
  selection?(): string | undefined;
  /** Stop delivering and release the device. Idempotent; never throws. */
  stop(): Promise<void>;
}
