import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthThrottle } from './auth-throttle.js';
import { UnauthenticatedError } from '../core/errors.js';
import type { AuditLog } from '../audit/index.js';

function setup(budget = 3, windowMs = 60_000) {
  const events: { actor: string; action: string; detail?: string }[] = [];
  const audit = { record: (actor: string, action: string, o: { detail?: string }) => void events.push({ actor, action, detail: o.detail }) } as unknown as AuditLog;
  let now = 1_000_000;
  const throttle = new AuthThrottle(audit, { budget, windowMs }, () => now);
  return { throttle, events, advance: (ms: number) => (now += ms) };
}

const wrong = () => {
  throw new UnauthenticatedError('unknown or revoked token');
};

test('the budget of failures is spent, then every attempt is refused with 429 — the right credential too — until the window passes', () => {
  const { throttle, advance } = setup();
  for (let i = 0; i < 3; i++) assert.throws(() => throttle.attempt('10.0.0.9', 'api', wrong), /unknown or revoked token/);
  assert.throws(() => throttle.attempt('10.0.0.9', 'api', () => 'ok'), (e: Error & { httpStatus?: number; retryAfterSeconds?: number }) =>
    e.httpStatus === 429 && e.retryAfterSeconds === 60 && /too many failed attempts/.test(e.message));
  assert.equal(throttle.attempt('10.0.0.10', 'api', () => 'ok'), 'ok', 'another address is not affected');
  advance(60_001);
  assert.equal(throttle.attempt('10.0.0.9', 'api', () => 'ok'), 'ok');
});

test('a success does not give back the budget', () => {
  const { throttle } = setup();
  assert.throws(() => throttle.attempt('a', 'api', wrong));
  assert.throws(() => throttle.attempt('a', 'api', wrong));
  assert.equal(throttle.attempt('a', 'api', () => 1), 1);
  assert.throws(() => throttle.attempt('a', 'api', wrong));
  assert.throws(() => throttle.attempt('a', 'api', () => 1), /too many failed attempts/);
});

test('parallel checks reserve the budget: more than it are refused up front', async () => {
  const { throttle } = setup();
  const pending: ((e?: Error) => void)[] = [];
  const slow = () => new Promise<string>((resolve, reject) => pending.push((e) => (e ? reject(e) : resolve('ok'))));
  const admitted = [0, 1, 2].map(() => throttle.attempt('p', 'api login', slow));
  assert.throws(() => throttle.attempt('p', 'api login', slow), /too many failed attempts/, 'the fourth is refused while three may still fail');
  pending[0]!(new UnauthenticatedError('wrong email or password'));
  pending[1]!(new UnauthenticatedError('wrong email or password'));
  await assert.rejects(admitted[0]!, /wrong email/);
  await assert.rejects(admitted[1]!, /wrong email/);
  assert.throws(() => throttle.attempt('p', 'api login', () => 'ok'), /too many failed attempts/, 'two failed, one may still fail');
  pending[2]!();
  assert.equal(await admitted[2], 'ok');
  assert.equal(throttle.attempt('p', 'api login', () => 'ok'), 'ok');
});

test('a success still being checked when the address gets blocked is refused', async () => {
  const { throttle } = setup();
  let finish!: () => void;
  const inFlight = throttle.attempt('q', 'api login', () => new Promise<string>((resolve) => (finish = () => resolve('ok'))));
  for (let i = 0; i < 3; i++) throttle.fail('q', 'ssh');
  finish();
  await assert.rejects(inFlight, /too many failed attempts/);
});

test('failures older than the window are forgotten; failures and the block are audited without credentials', () => {
  const { throttle, events, advance } = setup(2, 1000);
  assert.throws(() => throttle.attempt('b', 'git over http', wrong));
  advance(1001);
  assert.throws(() => throttle.attempt('b', 'git over http', wrong));
  assert.equal(throttle.attempt('b', 'git over http', () => 'still ok'), 'still ok');
  throttle.fail('b', 'ssh');
  assert.throws(() => throttle.check('b'), /too many failed attempts/);
  assert.deepEqual(events.map((e) => e.action), ['auth.failed', 'auth.failed', 'auth.failed', 'auth.blocked']);
  assert.ok(events.every((e) => e.actor === 'address:b'));
  assert.match(events[3]!.detail!, /^ssh: every attempt from this address is refused/);
});
