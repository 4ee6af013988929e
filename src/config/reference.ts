// The README's config reference table, rendered from the schema so it cannot drift.
import { KEYS } from './load';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function configReference(): string {
  const rows = ['| key | default | env | what |', '|---|---|---|---|'];
  for (const [key, leaf] of KEYS) {
    const l = leaf as unknown as { doc: string; default: unknown; env?: string };
    rows.push(`| \`${key}\` | \`${cell(JSON.stringify(l.default))}\` | \`${l.env ?? ''}\` | ${cell(l.doc)} |`);
  }
  return `${rows.join('\n')}\n`;
}
