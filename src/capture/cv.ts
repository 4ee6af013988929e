// Loads OpenCV (@u4/opencv4nodejs) once, quietly. On require it prints build-env
// "Info:" lines through @u4/opencv-build's logger, straight to the console; they
// are not JSON and would break journald's structured logs, so we silence that
// logger first. Loaded lazily: check-config and sources that need no OpenCV
// never pay the ~0.5 s load.
import path from 'node:path';
import type * as CV from '@u4/opencv4nodejs';

export type OpenCV = typeof CV;

let cached: OpenCV | undefined;

export function cv(): OpenCV {
  if (cached) return cached;
  const main = require.resolve('@u4/opencv4nodejs');
  const buildLib = require.resolve('@u4/opencv-build', { paths: [path.dirname(main)] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require(buildLib) as { Log: { silence: boolean } }).Log.silence = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(main) as OpenCV & { default?: OpenCV };
  cached = mod.default ?? mod;
  return cached;
}
