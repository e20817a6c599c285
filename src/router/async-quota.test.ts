// AsyncQuota: task slots and bytes per owner, freed on release, shrink and expiry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AsyncQuota } from './async-quota.js';

test('a caller gets at most maxTasks slots; others have their own', () => {
  const quota = new AsyncQuota({ maxTasks: 2, maxBytes: 100, ttlMs: 60_000 });
  assert.equal(quota.reserve('a', 't1', 0), undefined);
  assert.equal(quota.reserve('a', 't2', 0), undefined);
  const refused = quota.reserve('a', 't3', 0);
  assert.equal(refused?.quota, 'async_tasks');
  assert.ok(refused!.retryAfter > 0 && refused!.retryAfter <= 60);
  assert.equal(quota.reserve('b', 't4', 0), undefined);
  quota.release('a', 't1');
  assert.equal(quota.reserve('a', 't5', 0), undefined, 'a released slot is free again');
});

test('bytes are counted as they are stored, a refused growth counts nothing, a dropped answer frees its bytes', () => {
  const quota = new AsyncQuota({ maxTasks: 10, maxBytes: 100, ttlMs: 60_000 });
  assert.equal(quota.reserve('a', 't1', 120)?.quota, 'async_bytes', 'a declared body over the quota is refused before it is read');
  assert.equal(quota.reserve('a', 't1', 40), undefined);
  assert.equal(quota.grow('a', 't1', 40), undefined);
  assert.equal(quota.remaining('a'), 60);
  assert.equal(quota.grow('a', 't1', 61)?.quota, 'async_bytes');
  assert.equal(quota.remaining('a'), 60, 'the refused bytes were not counted');
  assert.equal(quota.grow('a', 't1', 50), undefined); // the answer
  quota.shrink('a', 't1', 40); // the answer was dropped: the request stays
  assert.equal(quota.remaining('a'), 60);
  assert.equal(quota.bytesRefusal('a').quota, 'async_bytes');
});

test('expired tasks free their slot and bytes', async () => {
  const quota = new AsyncQuota({ maxTasks: 1, maxBytes: 10, ttlMs: 1 });
  assert.equal(quota.reserve('a', 't1', 0), undefined);
  assert.equal(quota.grow('a', 't1', 10), undefined);
  await sleep(10);
  assert.equal(quota.reserve('a', 't2', 10), undefined);
});
