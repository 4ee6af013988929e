// Issue 14: nothing wakes an idle Pi once a second for nobody. The auto-variant rule and
// the bandwidth budget tick only while someone watches; they stop when the last viewer
// leaves and start again with the next one. Nor for viewers that need nothing: the budget
// ticks only when one is set, the viewers' stall check only while a socket is behind.
// (Their timers are unref'd, so Node's getActiveResourcesInfo does not list them: the
// timer field is read directly.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test, type TestContext } from 'node:test';
import { AutoVariants } from '../../src/stream/auto-variant';
import { BandwidthBudget, type BudgetCamera } from '../../src/stream/bandwidth';
import type { Viewer } from '../../src/stream/viewer';
import type { FrameHub } from '../../src/hub/frame-hub';
import { waitFor } from '../helpers/camstream';
import { connectTo, hubWithViewers, loopbackServer } from '../helpers/loopback-sockets';
import { selfSignedCert } from '../helpers/self-signed-cert';

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

test('without stream.maxMbps the budget has no timer while viewers watch, and measures what they take when read', () => {
  const list: Viewer[] = [];
  const viewers = { list: () => list };
  const cam: BudgetCamera = { name: 'c', hub: { latest: null, fps: () => 15 } as unknown as FrameHub, viewers, variants: undefined };
  let maxMbps = 0;
  let now = 1000;
  const budget = new BandwidthBudget([cam], () => maxMbps, () => now);
  budget.start();
  try {
    const v = { id: 1, address: '127.0.0.1', variant: null, auto: false, bytes: 0, sent: 0, startedAt: 1000, budgetFps: 0, maxFps: 0 };
    list.push(v as unknown as Viewer);
    budget.viewersChanged();
    assert.equal(armed(budget), false, 'a viewer watches, but there is no budget to share');
    now = 3000;
    v.bytes = 250_000;
    v.sent = 30;
    const [use] = budget.viewers();
    assert.equal(use.mbps, 1, '250 kB in 2 s since it came = 1 Mbit/s, measured on read');
    assert.equal(use.fps, 15);
    assert.equal(budget.usedMbps(), 1);
    maxMbps = 4; // a reload sets a budget
    budget.budgetChanged();
    assert.equal(armed(budget), true, 'a budget: the ticks start');
    v.budgetFps = 2;
    maxMbps = 0; // and a reload removes it
    budget.budgetChanged();
    assert.equal(armed(budget), false, 'no budget: the ticks stop');
    assert.equal(v.budgetFps, 0, 'and no viewer keeps a cap');
  } finally {
    budget.stop();
  }
});

/**
 * A reading viewer and one whose client stops reading, over plain TCP or TLS: the stalled
 * one is dropped, the reader stays, and the stall check stops once every socket keeps up.
 * Over plain TCP a reading viewer's frame goes to the kernel at once, so the check never
 * starts for it; over TLS each frame is written through the socket and completes a moment
 * later, so there the check may run meanwhile (it stops at its next look).
 */
async function stallCheck(t: TestContext, secure: boolean): Promise<void> {
  let pem: { cert: Buffer; key: Buffer } | undefined;
  if (secure) {
    const c = selfSignedCert();
    pem = { cert: fs.readFileSync(c.cert), key: fs.readFileSync(c.key) };
    fs.rmSync(c.dir, { recursive: true, force: true });
  }
  const server = await loopbackServer(t, pem);
  // Long enough for the reading client to take the large frame below on a busy machine.
  const { hub, viewers } = hubWithViewers(t, 3000);
  const reading = await connectTo(t, server);
  const keeper = viewers.add(reading.socket, '127.0.0.1', 0);
  const frame = (size: number) => Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(size - 4, 7), Buffer.from([0xff, 0xd9])]);
  for (let i = 0; i < 3; i++) {
    hub.publish(frame(30_000));
    await waitFor(() => reading.received().length >= (i + 1) * 30_000, 10000, 'the client to read the frame');
    if (!secure) assert.equal(viewers.stallCheckArmed, false, `frame ${i + 1}: a viewer that keeps up needs no stall check`);
  }
  // A client that stops reading: a frame far larger than the socket buffers stays in its socket.
  const stuck = await connectTo(t, server);
  stuck.client.pause();
  const stalled = viewers.add(stuck.socket, '127.0.0.1', 0);
  hub.publish(frame(32 * 1024 * 1024));
  assert.equal(viewers.stallCheckArmed, true, 'a socket is behind: the stall check runs');
  await waitFor(() => stalled.isClosed, 20000, 'the stalled viewer to be dropped');
  assert.equal(viewers.counters.stalled, 1, 'dropped as stalled');
  assert.equal(keeper.isClosed, false, 'the reading viewer stays');
  await waitFor(() => reading.received().length >= 3 * 30_000 + 32 * 1024 * 1024, 20000, 'the reading client to get the large frame');
  await waitFor(() => !viewers.stallCheckArmed, 5000, 'the stall check to stop once every socket keeps up');
}

test('the viewers\' stall check runs only while a socket holds a frame it has not taken, and still drops a stalled viewer', (t) => stallCheck(t, false));
test('the same over TLS: a stalled TLS viewer is dropped, the reader stays, and the check stops', (t) => stallCheck(t, true));
