// Renders the documented example config from the schema, so the example can never
// drift from what the code accepts. Keys starting with "//" are comments: the
// loader ignores them (the package.json convention; JSON has no comments).
import { schema } from './schema';

type Node = Record<string, unknown>;

function render(node: Node): Node {
  const out: Node = {};
  for (const [k, v] of Object.entries(node)) {
    if (v && typeof v === 'object' && 'doc' in v) {
      const leaf = v as { doc: string; default: unknown; env?: string };
      out[`//${k}`] = `${leaf.doc}${leaf.env ? ` [env ${leaf.env}]` : ''}`;
      out[k] = leaf.default;
    } else {
      out[k] = render(v as Node);
    }
  }
  return out;
}

export function exampleConfig(): string {
  return `${JSON.stringify({ '//': 'camstream configuration: copy to /etc/camstream.json and edit. Every key is optional; the values shown are the defaults. "//" keys are comments.', ...render(schema as unknown as Node) }, null, 2)}\n`;
}

/** Drop comment keys ("//…") at every level before validation. */
export function stripComments(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripComments);
  if (v && typeof v === 'object') {
    const out: Node = {};
    for (const [k, x] of Object.entries(v)) if (!k.startsWith('//')) out[k] = stripComments(x);
    return out;
  }
  return v;
}
