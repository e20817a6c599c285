import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, userStore, tokenStore, escStore } from '../db/index.js';
import { AuthService } from './auth-service.js';

function makeAuth() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'rt-auth-')), 'db.sqlite'));
  return new AuthService(userStore(db), tokenStore(db), escStore(db), randomBytes(32));
}

test('a new user may call and deploy every job but not delete', async () => {
  const auth = makeAuth();
  await auth.createUser('dev@example.com');
  const { token } = auth.createToken('user:dev@example.com', 'laptop');
  const s = auth.authenticate(token)!;
  assert.equal(s.name, 'dev@example.com');
  assert.equal(auth.can(s, 'call_job', 'adder'), true);
  assert.equal(auth.can(s, 'deploy_new_family', 'adder'), true);
  assert.equal(auth.can(s, 'delete_job', 'adder'), false);
});

test('authorizeCall: 401 for an unknown token, 403 without call_job, ok with a grant', () => {
  const auth = makeAuth();
  assert.deepEqual(auth.authorizeCall('nope', 'adder'), { ok: false, status: 401, error: 'unknown or revoked token' });
  auth.createEsc('billing');
  const { token } = auth.createToken('esc:billing', 'prod');
  const denied = auth.authorizeCall(token, 'adder');
  assert.equal(denied.ok, false);
  assert.equal(!denied.ok && denied.status, 403);
  auth.grant('esc:billing', 'adder', 'call_job');
  assert.deepEqual(auth.authorizeCall(token, 'adder'), { ok: true, caller: { kind: 'esc', name: 'billing' } });
  assert.equal(auth.authorizeCall(token, 'other').ok, false);
});

test('a revoked token is refused on the very next check', () => {
  const auth = makeAuth();
  auth.createEsc('x');
  auth.grant('esc:x', '*', 'call_job');
  const t = auth.createToken('esc:x', 't');
  assert.equal(auth.authorizeCall(t.token, 'adder').ok, true);
  auth.revokeToken(t.id);
  assert.equal(auth.authorizeCall(t.token, 'adder').ok, false);
});

test('a deactivated user is no longer authenticated', async () => {
  const auth = makeAuth();
  await auth.createUser('u@example.com');
  const { token } = auth.createToken('user:u@example.com', 't');
  auth.setUserActive('u@example.com', false);
  assert.equal(auth.authenticate(token), undefined);
});

test('job family tokens are stable and need a grant to call other jobs', () => {
  const auth = makeAuth();
  const t = auth.jobToken('chain');
  assert.equal(auth.jobToken('chain'), t);
  assert.equal(auth.authorizeCall(t, 'adder').ok, false);
  auth.grant('job:chain', 'adder', 'call_job');
  assert.deepEqual(auth.authorizeCall(t, 'adder'), { ok: true, caller: { kind: 'job', name: 'chain' } });
});

test('passwords: login with the right one, refused with a wrong one or while inactive', async () => {
  const auth = makeAuth();
  await auth.createUser('p@example.com', { password: 'correct horse', active: false });
  await assert.rejects(auth.login('p@example.com', 'correct horse'), /not active/);
  auth.setUserActive('p@example.com', true);
  assert.equal((await auth.login('p@example.com', 'correct horse')).email, 'p@example.com');
  await assert.rejects(auth.login('p@example.com', 'wrong'), /wrong email or password/);
});
