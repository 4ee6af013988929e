// One model for every camera's settings, whatever the camera: each control has a type,
// its range or menu, its default and current value, and a group the page sorts it
// into. libcamera-controls.ts and v4l2-controls-list.ts build them from what the
// camera itself reports; validate() checks a requested change against them.
import { describeValue } from '../errors';

export type ControlGroup = 'picture' | 'exposure' | 'focus' | 'format';
export type ControlValue = number | string | boolean;

export interface Control {
  /** The name a PATCH uses: rpicam-vid's option name (lens-position), or the V4L2 control's (brightness). */
  name: string;
  label: string;
  group: ControlGroup;
  type: 'int' | 'float' | 'bool' | 'menu';
  min?: number;
  max?: number;
  step?: number;
  options?: { value: string | number; label: string }[];
  default: ControlValue;
  value: ControlValue;
  /** live: set on the running camera (V4L2); restart: the camera program restarts with it. */
  apply: 'live' | 'restart';
  /** V4L2 flags such as "inactive" (another control, e.g. an automatic mode, overrides it now). */
  flags?: string[];
}

export type Values = Record<string, ControlValue>;

function allowed(c: Control): string {
  if (c.type === 'bool') return 'true or false';
  if (c.type === 'menu') return `one of ${(c.options ?? []).map((o) => JSON.stringify(o.value)).join(', ')}`;
  const kind = c.type === 'int' ? 'a whole number' : 'a number';
  return `${kind} from ${c.min} to ${c.max}${c.step && c.step !== 1 && c.type === 'int' ? ` in steps of ${c.step}` : ''}`;
}

/** Why `value` cannot be set on control `c`, or null. The message names the control, what it takes and what was sent. */
export function valueProblem(c: Control, value: unknown): string | null {
  let ok: boolean;
  switch (c.type) {
    case 'bool':
      ok = typeof value === 'boolean';
      break;
    case 'menu':
      ok = (c.options ?? []).some((o) => o.value === value);
      break;
    default:
      ok = typeof value === 'number' && Number.isFinite(value) && value >= c.min! && value <= c.max!;
      if (ok && c.type === 'int') ok = Number.isInteger(value) && (!c.step || c.step <= 1 || ((value as number) - c.min!) % c.step === 0);
  }
  return ok ? null : `camera setting "${c.name}" takes ${allowed(c)}; got ${describeValue(value)}`;
}

/**
 * Check a requested change against the camera's controls. Returns the values to apply,
 * or every problem (one line each) when any value is wrong: nothing is applied then.
 */
export function validate(controls: readonly Control[], patch: unknown): { values: Values } | { problems: string[] } {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return { problems: [`expected a JSON object of settings such as {"brightness": 0.2}; got ${describeValue(patch)}`] };
  const entries = Object.entries(patch as Record<string, unknown>);
  if (entries.length === 0) return { problems: ['no settings given: send at least one, e.g. {"brightness": 0.2}'] };
  const byName = new Map(controls.map((c) => [c.name, c]));
  const problems: string[] = [];
  const values: Values = {};
  for (const [name, v] of entries) {
    const c = byName.get(name);
    if (!c) {
      problems.push(`this camera has no setting "${name.slice(0, 64)}"; it has: ${controls.map((x) => x.name).join(', ')}`);
      continue;
    }
    const p = valueProblem(c, v);
    if (p) problems.push(p);
    else values[name] = v as ControlValue;
  }
  return problems.length ? { problems } : { values };
}

/** Stored values that still fit the camera; the rest, each with why, for the log (a stale state file). */
export function keepValid(controls: readonly Control[], stored: Values): { kept: Values; dropped: string[] } {
  const byName = new Map(controls.map((c) => [c.name, c]));
  const kept: Values = {};
  const dropped: string[] = [];
  for (const [name, v] of Object.entries(stored)) {
    const c = byName.get(name);
    const p = c ? valueProblem(c, v) : `this camera has no setting "${name}"`;
    if (p) dropped.push(p);
    else kept[name] = v;
  }
  return { kept, dropped };
}
