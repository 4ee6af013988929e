// One place maps camera.source to the module that implements it. Adding a kind of
// camera means adding a file and a case here.
import type { Config } from '../config/schema';
import type { Logger } from '../log';
import { FilesSource } from './files';
import { OpenCvSource } from './opencv';
import type { FrameSource } from './source';
import { TestPatternSource } from './testpattern';

export function createSource(config: Readonly<Config>, log: Logger): FrameSource {
  const cam = config.camera;
  switch (cam.source) {
    case 'testpattern':
      return new TestPatternSource(cam);
    case 'opencv':
      return new OpenCvSource(cam, log);
    case 'files':
      return new FilesSource(cam);
  }
}
