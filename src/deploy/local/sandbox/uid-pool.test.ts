import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UidPool } from './uid-pool.js';

test('a job keeps one uid while anything of it runs; two jobs never share one; a released uid is reused', () => {
  const pool = new UidPool({ first: 100, last: 101 });
  const a = pool.acquire('a');
  assert.equal(pool.acquire('a'), a, 'a build and a running version of one job');
  const b = pool.acquire('b');
  assert.notEqual(a, b);
  assert.throws(() => pool.acquire('c'), /no free sandbox uid: all 2 of RACETRACK_LOCAL_SANDBOX_UIDS \(100-101\)/);
  pool.release('a');
  assert.throws(() => pool.acquire('c'), /no free sandbox uid/, 'a still holds it once');
  pool.release('a');
  assert.equal(pool.acquire('c'), a);
});
