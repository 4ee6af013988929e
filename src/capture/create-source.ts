// One place maps camera.source to the module that implements it. Adding a kind of
// camera means adding a file and a case here.
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { AutoSource } from './auto';
import { FilesSource } from './files';
import { HttpRelaySource } from './http-relay';
import { LibcameraSource } from './libcamera';
import { classifyDevice, OpenCvSource } from './opencv';
import { RaspistillSource } from './raspistill';
import type { FrameSource } from './source';
import { TestPatternSource } from './testpattern';
import { UsbCameraSource } from './usb-camera';

export interface CreateSourceOptions {
  /** Environment for camera programs; its PATH is where rpicam-vid, ffmpeg, raspistill are found. */
  env: NodeJS.ProcessEnv;
  /** For source=auto: where /dev/video* are looked for. */
  devDir?: string;
  /** For source=libcamera: further rpicam-vid options (settings from the page, src/settings/). */
  libcameraArgs?: readonly string[];
}

export function createSource(config: Readonly<Config>, log: Logger, opts: CreateSourceOptions): FrameSource {
  const cam = config.camera;
  switch (cam.source) {
    case 'auto':
      return new AutoSource(cam, log, { env: opts.env, devDir: opts.devDir });
    case 'testpattern':
      return new TestPatternSource(cam);
    case 'opencv':
      // A V4L2 camera may offer MJPEG to pass through; pipelines and files are decoded.
      return classifyDevice(cam.device).kind === 'v4l2' ? new UsbCameraSource(cam, log, opts.env) : new OpenCvSource(cam, log);
    case 'libcamera':
      return new LibcameraSource(cam, log, opts.env, opts.libcameraArgs);
    case 'raspistill':
      return new RaspistillSource(cam, log, opts.env);
    case 'http':
      return new HttpRelaySource(cam, log);
    case 'files':
      return new FilesSource(cam);
  }
}
