// JPEG folders made at test time with OpenCV (nothing binary committed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cv } from '../../src/capture/cv';

/**
 * `count` JPEGs of random noise (noise does not compress: big frames fill socket
 * buffers fast) or of flat colour, in a fresh temp folder.
 */
export function makeJpegFolder(count: number, width: number, height: number, kind: 'noise' | 'flat' = 'flat', quality = 90): string {
  const o = cv();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-jpegs-'));
  for (let i = 0; i < count; i++) {
    let mat = new o.Mat(height, width, o.CV_8UC3, [(i * 37) % 256, (i * 91) % 256, (i * 13) % 256]);
    if (kind === 'noise') {
      mat.release();
      // A seeded xorshift fill: the same "random" frames every run.
      const data = Buffer.alloc(width * height * 3);
      let x = 0x9e3779b9 ^ (i + 1);
      for (let k = 0; k < data.length; k++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        data[k] = x & 0xff;
      }
      mat = new o.Mat(data, height, width, o.CV_8UC3);
    }
    mat.putText(`frame ${i}`, new o.Point2(10, Math.min(height - 10, 40)), o.FONT_HERSHEY_SIMPLEX, 1, new o.Vec3(255, 255, 255), 2);
    fs.writeFileSync(path.join(dir, `frame-${String(i).padStart(4, '0')}.jpg`), o.imencode('.jpg', mat, [o.IMWRITE_JPEG_QUALITY, quality]));
    // Freed now, not by a GC: a Mat still waiting for its weak callback when the test
    // process ends can be finalised during V8's isolate teardown, where opencv4nodejs's
    // allocator calls back into the dying isolate (SIGSEGV after every test passed: seen
    // on wakeups.test.js, core: Mat::~Mat → AdjustAmountOfExternalAllocatedMemory in
    // ~IsolateData). camstream itself ends with process.exit, which skips that teardown.
    mat.release();
  }
  return dir;
}
