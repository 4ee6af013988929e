// The "Refusals and error codes" table of README.md, read back as rows.
import fs from 'node:fs';
import path from 'node:path';

export interface ErrorCodeRow {
  /** "400", "405, 501", "closed", "exit 78", "log" as written. */
  status: string;
  code: string;
  when: string;
  todo: string;
}

export function readmeErrorRows(): ErrorCodeRow[] {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const a = readme.indexOf('<!-- error-codes:start');
  const b = readme.indexOf('<!-- error-codes:end -->');
  if (a < 0 || b < a) throw new Error('README.md has no error-codes markers');
  return readme
    .slice(a, b)
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Status') && !l.startsWith('|---'))
    .map((l) => {
      // Cells split on "|" not escaped as "\|" (the table quotes a shell pipe).
      const cells = l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
      return { status: cells[0], code: cells[1].replace(/`/g, ''), when: cells[2] ?? '', todo: cells[3] ?? '' };
    });
}

/** Is `status` among a row's statuses ("405, 501" holds 405 and 501)? */
export function rowHasStatus(row: ErrorCodeRow, status: number): boolean {
  return row.status.split(',').map((s) => s.trim()).includes(String(status));
}
