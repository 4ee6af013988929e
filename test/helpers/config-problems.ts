// The lines of the ConfigError a config load throws; fails the test when it loads.
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors';

export function configProblems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected the config to be rejected');
}
