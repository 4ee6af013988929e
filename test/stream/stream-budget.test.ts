// One StreamBudget over two cameras' pools: the total cap, per-address caps across
// cameras, and a slot freed on one camera going to a viewer waiting on the other.
// Real timers; every wait is bounded by the pools' own queue timeouts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPool, StreamBudget } from '../../src/stream/client-pool';
import type { SlotRefused } from '../../src/errors';

const pool = (budget: StreamBudget, over: Partial<ConstructorParameters<typeof ClientPool>[0]> = {}) =>
  new ClientPool({ maxClients: 3, maxClientsPerIp: 10, queueSize: 5, queueTimeoutMs: 10000, ...over }, budget);

test('the total bounds both cameras: past it 503 + Retry-After, queued viewers time out with 503', async () => {
  const budget = new StreamBudget({ maxClientsTotal: 3, maxClientsPerIp: 10 });
  const a = pool(budget, { queueSize: 0 });
  const b = pool(budget, { queueTimeoutMs: 300 });
  await a.acquire('10.0.0.1');
  await a.acquire('10.0.0.2');
  await b.acquire('10.0.0.3');
  assert.deepEqual([a.inUse, b.inUse, budget.inUse, budget.max], [2, 1, 3, 3]);
  // Both pools have room of their own; the total has none.
  await assert.rejects(a.acquire('10.0.0.4'), (err: SlotRefused) => {
    assert.equal(err.code, 'CAMSTREAM_ERR_POOL_FULL');
    assert.equal(err.status, 503);
    assert.ok(err.retryAfterSec >= 1);
    assert.match(err.message, /all 3 stream slots of all cameras are in use/);
    return true;
  });
  const started = performance.now();
  await assert.rejects(b.acquire('10.0.0.5'), (err: SlotRefused) => err.code === 'CAMSTREAM_ERR_QUEUE_TIMEOUT' && err.status === 503 && err.retryAfterSec >= 1);
  assert.ok(performance.now() - started >= 250, 'it waited for a slot first');
  assert.deepEqual([b.waiting, budget.inUse], [0, 3]);
});

test('one address is capped across cameras (held and queued places), with 429', async () => {
  const budget = new StreamBudget({ maxClientsTotal: 4, maxClientsPerIp: 2 });
  const a = pool(budget);
  const b = pool(budget);
  const s1 = await a.acquire('192.168.1.9');
  await b.acquire('192.168.1.9');
  for (const p of [a, b]) {
    await assert.rejects(p.acquire('192.168.1.9'), (err: SlotRefused) => {
      assert.equal(err.code, 'CAMSTREAM_ERR_PER_IP');
      assert.equal(err.status, 429);
      assert.match(err.message, /at most 2 per address \(all cameras together\)/);
      return true;
    });
  }
  // Other addresses are not held back by it.
  await a.acquire('192.168.1.10');
  await b.acquire('192.168.1.11');
  // The total is full now: a queued place counts toward the address as well.
  const queued = a.acquire('192.168.1.12');
  const queued2 = b.acquire('192.168.1.12');
  await assert.rejects(b.acquire('192.168.1.12'), (err: SlotRefused) => err.status === 429);
  // A slot the address gives back lets it in again.
  s1.release();
  const got = await queued;
  assert.equal(got.ip, '192.168.1.12');
  assert.equal(b.waiting, 1);
  await assert.rejects(a.acquire('192.168.1.12'), (err: SlotRefused) => err.status === 429, 'one held, one queued');
  a.close();
  b.close();
  await assert.rejects(queued2, (err: SlotRefused) => err.code === 'CAMSTREAM_ERR_SHUTTING_DOWN');
});

test('a slot freed on camera A goes to a viewer waiting on camera B; across cameras the first to arrive is served first', async () => {
  const budget = new StreamBudget({ maxClientsTotal: 2, maxClientsPerIp: 10 });
  const a = pool(budget);
  const b = pool(budget);
  const a1 = await a.acquire('1.1.1.1');
  const a2 = await a.acquire('1.1.1.2');
  const order: string[] = [];
  const onB = b.acquire('2.2.2.1').then((s) => (order.push('b'), s));
  const onA = a.acquire('2.2.2.2').then((s) => (order.push('a'), s));
  assert.deepEqual([a.waiting, b.waiting, budget.waiting], [1, 1, 2]);
  a1.release();
  const sb = await onB;
  assert.deepEqual([a.inUse, b.inUse, budget.inUse], [1, 1, 2]);
  assert.equal(a.waiting, 1, 'the later waiter on A still waits');
  a2.release();
  const sa = await onA;
  assert.deepEqual(order, ['b', 'a']);
  // A pool's own cap still holds: B full of its own, a slot freed on A goes to A's waiter, not B's.
  sa.release();
  sb.release();
  const small = new StreamBudget({ maxClientsTotal: 3, maxClientsPerIp: 10 });
  const c = pool(small, { maxClients: 1 });
  const d = pool(small, { maxClients: 3 });
  const c1 = await c.acquire('3.3.3.1');
  const d1 = await d.acquire('3.3.3.2');
  await d.acquire('3.3.3.3');
  const onC = c.acquire('3.3.3.4'); // held back by C's own cap
  const onD = d.acquire('3.3.3.5'); // held back by the total
  d1.release();
  const sd = await onD;
  assert.equal(sd.ip, '3.3.3.5');
  assert.equal(c.waiting, 1, 'C is still full by its own cap');
  c1.release();
  assert.equal((await onC).ip, '3.3.3.4');
  assert.deepEqual([c.inUse, d.inUse, small.inUse], [1, 2, 3]);
});

test('a viewer that leaves while queued gives up its place and its address count; the next slot goes to who is still there', async () => {
  const budget = new StreamBudget({ maxClientsTotal: 1, maxClientsPerIp: 1 });
  const a = pool(budget);
  const b = pool(budget);
  const held = await a.acquire('4.4.4.1');
  const ac = new AbortController();
  const gone = b.acquire('4.4.4.2', ac.signal);
  const stays = a.acquire('4.4.4.3');
  await assert.rejects(b.acquire('4.4.4.2'), (err: SlotRefused) => err.status === 429, 'its queued place counts');
  ac.abort(new Error('viewer left'));
  await assert.rejects(gone, /viewer left/);
  assert.deepEqual([a.waiting, b.waiting], [1, 0]);
  // Its address is free again (queues behind 4.4.4.3, which arrived before it).
  const again = b.acquire('4.4.4.2');
  held.release();
  const s = await stays;
  assert.equal(s.ip, '4.4.4.3');
  assert.equal(budget.inUse, 1);
  s.release();
  assert.equal((await again).ip, '4.4.4.2');
});

test('a raised total lets waiters in at once; a lowered one keeps who watches and queues newcomers', async () => {
  const budget = new StreamBudget({ maxClientsTotal: 1, maxClientsPerIp: 10 });
  const a = pool(budget);
  const b = pool(budget);
  await a.acquire('5.5.5.1');
  const w1 = b.acquire('5.5.5.2');
  const w2 = a.acquire('5.5.5.3');
  budget.setLimits({ maxClientsTotal: 3, maxClientsPerIp: 10 });
  const [s1, s2] = await Promise.all([w1, w2]);
  assert.deepEqual([s1.ip, s2.ip, budget.inUse, budget.waiting], ['5.5.5.2', '5.5.5.3', 3, 0]);
  budget.setLimits({ maxClientsTotal: 2, maxClientsPerIp: 10 });
  assert.equal(budget.inUse, 3, 'nobody is cut off');
  const w3 = b.acquire('5.5.5.4');
  assert.equal(b.waiting, 1);
  s1.release();
  assert.equal(b.waiting, 1, 'still over the new total (2 of 2)');
  s2.release();
  assert.equal((await w3).ip, '5.5.5.4');
});

test("a closed pool's held slots count until released, and then go to another pool's waiter", async () => {
  const budget = new StreamBudget({ maxClientsTotal: 1, maxClientsPerIp: 10 });
  const a = pool(budget);
  const b = pool(budget);
  const held = await a.acquire('6.6.6.1');
  const waiting = b.acquire('6.6.6.2');
  a.close();
  await assert.rejects(a.acquire('6.6.6.3'), (err: SlotRefused) => err.code === 'CAMSTREAM_ERR_SHUTTING_DOWN');
  assert.equal(budget.inUse, 1);
  held.release();
  assert.equal((await waiting).ip, '6.6.6.2');
  assert.deepEqual([a.inUse, b.inUse, budget.inUse], [0, 1, 1]);
});
