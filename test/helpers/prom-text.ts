// A strict reader of the Prometheus text exposition format (version 0.0.4), for
// tests that scrape /metrics: every line must be a comment, blank, or a sample
// `name{label="v",…} value`; anything else fails the test instead of being skipped.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Scrape {
  samples: Sample[];
  /** # TYPE lines: metric family → counter | gauge | histogram | summary | untyped. */
  types: Map<string, string>;
  help: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/gy;

export function parsePrometheusText(text: string): Scrape {
  const out: Scrape = { samples: [], types: new Map(), help: new Map() };
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      out.types.set(name, type);
      return;
    }
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const sp = rest.indexOf(' ');
      out.help.set(rest.slice(0, sp), rest.slice(sp + 1));
      return;
    }
    if (line.startsWith('#')) return;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`metrics line ${i + 1}: not a sample: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      let consumed = 0;
      for (let lm = LABEL.exec(m[2]); lm; lm = LABEL.exec(m[2])) {
        labels[lm[1]] = lm[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        consumed = LABEL.lastIndex;
      }
      if (consumed !== m[2].length) throw new Error(`metrics line ${i + 1}: bad labels: ${JSON.stringify(m[2])}`);
    }
    const raw = m[3];
    // Prometheus parses values with Go's ParseFloat, which takes NaN in any case;
    // prom-client writes "Nan" (e.g. event-loop lag before the first sample).
    const isNan = /^nan$/i.test(raw);
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : isNan ? NaN : Number(raw);
    if (Number.isNaN(value) && !isNan) throw new Error(`metrics line ${i + 1}: bad value ${JSON.stringify(raw)}`);
    out.samples.push({ name: m[1], labels, value });
  });
  return out;
}

/** The value of the one sample named `name` whose labels include `labels`; throws if none or several. */
export function valueOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const hits = scrape.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${hits.length}`);
  return hits[0].value;
}

export async function scrape(base: string): Promise<Scrape> {
  const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET ${base}/metrics: expected 200, got ${res.status}`);
  const ct = res.headers.get('content-type') ?? '';
  if (!ct.startsWith('text/plain') || !ct.includes('version=0.0.4')) throw new Error(`GET /metrics: expected text/plain; version=0.0.4, got ${ct}`);
  return parsePrometheusText(await res.text());
}
