import fs from 'node:fs';
import path from 'node:path';

/** The version from package.json (dist/src/version.js → ../../package.json). */
export const VERSION: string = (() => {
  try {
    return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();
