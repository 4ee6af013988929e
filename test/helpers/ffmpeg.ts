// ffmpeg as an independent reference in tests: it splits MJPEG with its own demuxer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FFMPEG = '/usr/bin/ffmpeg';

/** The JPEGs in an MJPEG byte stream, as ffmpeg's mjpeg demuxer splits them (bytes copied, not re-encoded). */
export function ffmpegSplit(file: string): Buffer[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camstream-split-'));
  try {
    execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'mjpeg', '-i', file, '-c:v', 'copy', '-f', 'image2', path.join(dir, '%04d.jpg')], { timeout: 30000 });
    return fs.readdirSync(dir).sort().map((n) => fs.readFileSync(path.join(dir, n)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
