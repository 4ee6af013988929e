// Paths to committed test fixtures. Tests run from dist/test/…, the fixtures stay in
// test/fixtures/ of the checkout (tsc does not copy them).
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export function fixture(name: string): string {
  return path.join(REPO_ROOT, 'test', 'fixtures', name);
}

/** A real MJPEG capture: 24 frames of ffmpeg's testsrc2 at 320x240, -q:v 5. */
export const MJPEG_CAPTURE = fixture('testsrc2-320x240.mjpeg');
