import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientPool } from '../../src/stream/client-pool';
import { SlotRefused } from '../../src/errors';

const limits = { maxClients: 2, maxClientsPerIp: 2, queueSize: 2, queueTimeoutMs: 200 };

test('grants up to maxClients, queues FIFO, hands a freed slot to the longest waiter', async () => {
  const pool = new ClientPool({ ...limits, queueTimeoutMs: 5000 });
  const a = await pool.acquire('10.0.0.1');
  const b = await pool.acquire('10.0.0.2');
  assert.equal(pool.inUse, 2);
  const order: string[] = [];
  const c = pool.acquire('10.0.0.3').then((s) => (order.push('c'), s));
  const d = pool.acquire('10.0.0.4').then((s) => (order.push('d'), s));
  assert.equal(pool.waiting, 2);
  a.release();
  a.release(); // idempotent: must not free a second slot
  const sc = await c;
  assert.equal(pool.inUse, 2);
  assert.equal(pool.waiting, 1);
  b.release();
  const sd = await d;
  assert.deepEqual(order, ['c', 'd']);
  sc.release();
  sd.release();
  assert.equal(pool.inUse, 0);
});

test('past the queue: 503 at once; in the queue too long: 503 after queueTimeoutMs', async () => {
  const pool = new ClientPool(limits);
  await pool.acquire('a');
  await pool.acquire('b');
  const q1 = pool.acquire('c');
  const q2 = pool.acquire('d');
  await assert.rejects(pool.acquire('e'), (err: SlotRefused) => err.code === 'CAMSTREAM_ERR_POOL_FULL' && err.status === 503 && err.retryAfterSec >= 1);
  await assert.rejects(q1, (err: SlotRefused) => err.code === 'CAMSTREAM_ERR_QUEUE_TIMEOUT' && err.status === 503);
  await assert.rejects(q2, (err: SlotRefused) => err.code === 'CAMSTREAM_ERR_QUEUE_TIMEOUT');
  assert.equal(pool.waiting, 0);
  assert.equal(pool.counters.rejectedFull, 1);
  assert.equal(pool.counters.rejectedTimeout, 2);
});

test('queueTimeoutMs 0 rejects at once when full', async () => {
  const pool = new ClientPool({ ...limits, queueTimeoutMs: 0 });
  await pool.acquire('a');
  await pool.acquire('b');
  await assert.rejects(pool.acquire('c'), (err: SlotRefused) => err.status === 503);
});

test('per-address cap counts held and queued slots and answers 429', async () => {
  const pool = new ClientPool({ maxClients: 3, maxClientsPerIp: 1, queueSize: 5, queueTimeoutMs: 5000 });
  const s = await pool.acquire('1.1.1.1');
  await assert.rejects(pool.acquire('1.1.1.1'), (err: SlotRefused) => err.code === 'CAMSTREAM_ERR_PER_IP' && err.status === 429);
  const other = await pool.acquire('2.2.2.2');
  s.release();
  const again = await pool.acquire('1.1.1.1');
  again.release();
  other.release();
});

test('a waiter that goes away gives up its place; close() refuses waiters and newcomers', async () => {
  const pool = new ClientPool({ ...limits, queueTimeoutMs: 5000 });
  const a = await pool.acquire('a');
  await pool.acquire('b');
  const ac = new AbortController();
  const gone = pool.acquire('c', ac.signal);
  ac.abort(new Error('left'));
  await assert.rejects(gone, /left/);
  assert.equal(pool.waiting, 0);
  const waiting = pool.acquire('d');
  pool.close();
  await assert.rejects(waiting, (err: SlotRefused) => err.code === 'CAMSTREAM_ERR_SHUTTING_DOWN');
  await assert.rejects(pool.acquire('e'), (err: SlotRefused) => err.code === 'CAMSTREAM_ERR_SHUTTING_DOWN');
  a.release();
  assert.equal(pool.inUse, 1);
});
