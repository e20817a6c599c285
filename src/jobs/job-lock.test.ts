import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobLocks } from './job-lock.js';

test('deploys of one job run one after another; the second is told it waits', async () => {
  const locks = new JobLocks();
  const order: string[] = [];
  let waited = false;
  const slow = locks.with('adder', async () => {
    order.push('a start');
    await new Promise((r) => setTimeout(r, 30));
    order.push('a end');
  });
  const second = locks.with('adder', async () => void order.push('b'), () => (waited = true));
  await Promise.all([slow, second]);
  assert.deepEqual(order, ['a start', 'a end', 'b']);
  assert.equal(waited, true);
});

test('different jobs do not wait for each other, and a failure releases the lock', async () => {
  const locks = new JobLocks();
  const order: string[] = [];
  const a = locks.with('a', async () => {
    await new Promise((r) => setTimeout(r, 30));
    order.push('a');
  });
  await locks.with('b', async () => void order.push('b'));
  await a;
  assert.deepEqual(order, ['b', 'a']);
  await assert.rejects(locks.with('c', async () => { throw new Error('boom'); }));
  assert.equal(await locks.with('c', async () => 'ok'), 'ok');
});

test('a deploy that waits longer than the bound is refused, and the lock still serialises what follows', async () => {
  const locks = new JobLocks(50);
  let release!: () => void;
  const long = locks.with('adder', () => new Promise<void>((r) => (release = r)));
  await assert.rejects(locks.with('adder', async () => 'never'), /another deploy of adder has been running for over 0 s/);
  const order: string[] = [];
  const next = locks.with('adder', async () => void order.push('next'));
  release();
  await long;
  await next;
  assert.deepEqual(order, ['next']);
});
