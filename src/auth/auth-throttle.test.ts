import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle } from './auth-throttle.js';
import type { AuditLog } from '../audit/index.js';

const recorder = () => {
  const events: { action: string; ok?: boolean }[] = [];
  const audit = { record: (_a: unknown, action: string, o: { ok?: boolean }) => void events.push({ action, ok: o.ok }) } as unknown as AuditLog;
  return { events, audit };
};

test('the first failures are free, then each one waits longer, up to a bound', () => {
  const t = new AuthThrottle(recorder().audit);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 20].map((n) => t.delayFor(n)), [0, 0, 0, 100, 200, 400, 5000]);
});

test('failures are audited and slow the next answer; success forgets them', async () => {
  const { events, audit } = recorder();
  const t = new AuthThrottle(audit);
  for (let i = 0; i < 3; i++) await t.fail('10.0.0.9', 'ssh');
  const t0 = Date.now();
  await t.fail('10.0.0.9', 'ssh');
  assert.ok(Date.now() - t0 >= 90);
  assert.equal(events.length, 4);
  assert.ok(events.every((e) => e.action === 'auth.failed' && e.ok === false));
  t.succeed('10.0.0.9');
  const t1 = Date.now();
  await t.fail('10.0.0.9', 'ssh');
  assert.ok(Date.now() - t1 < 50);
});
