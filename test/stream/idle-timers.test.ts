// Issue 14: nothing wakes an idle Pi once a second for nobody. The auto-variant rule and
// the bandwidth budget tick only while someone watches; they stop when the last viewer
// leaves and start again with the next one. (Their timers are unref'd, so Node's
// getActiveResourcesInfo does not list them: the timer field is read directly.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AutoVariants } from '../../src/stream/auto-variant';
import { BandwidthBudget, type BudgetCamera } from '../../src/stream/bandwidth';
import type { Viewer } from '../../src/stream/viewer';
import type { FrameHub } from '../../src/hub/frame-hub';

const armed = (o: object): boolean => (o as { timer: unknown }).timer !== null;

test('auto variants and the bandwidth budget have no timer while nobody watches', () => {
  const list: Viewer[] = [];
  const viewers = { list: () => list, setVariant: () => undefined };
  const cam: BudgetCamera = { name: 'c', hub: { latest: null, fps: () => 0 } as unknown as FrameHub, viewers, variants: undefined };
  const auto = new AutoVariants(viewers, ['low']);
  const budget = new BandwidthBudget([cam], () => 4);
  auto.start();
  budget.start();
  try {
    assert.equal(armed(auto), false, 'auto: started with nobody watching');
    assert.equal(armed(budget), false, 'budget: started with nobody watching');
    list.push({} as Viewer);
    auto.viewersChanged(1);
    budget.viewersChanged();
    assert.equal(armed(auto), true, 'auto: a viewer joined');
    assert.equal(armed(budget), true, 'budget: a viewer joined');
    list.pop();
    auto.viewersChanged(0);
    budget.viewersChanged();
    assert.equal(armed(auto), false, 'auto: the last viewer left');
    assert.equal(armed(budget), false, 'budget: the last viewer left');
    assert.deepEqual(budget.viewers(), [], 'and reports nobody');
  } finally {
    auto.stop();
    budget.stop();
  }
});
