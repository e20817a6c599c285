import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimit } from './rate-limit.js';

test('the limit per key within the window, then 429 with when to retry; other keys and later times are free', () => {
  let now = 0;
  const limit = new RateLimit('registrations', 2, 60_000, () => now);
  limit.take('10.0.0.1');
  now = 10_000;
  limit.take('10.0.0.1');
  assert.throws(() => limit.take('10.0.0.1'), (e: Error & { httpStatus?: number; retryAfterSeconds?: number }) =>
    e.httpStatus === 429 && e.retryAfterSeconds === 50 && e.message === 'too many registrations from 10.0.0.1; try again in 50 s');
  limit.take('10.0.0.2');
  now = 60_001;
  limit.take('10.0.0.1');
  assert.throws(() => limit.take('10.0.0.1'), /try again in 10 s/);
});
