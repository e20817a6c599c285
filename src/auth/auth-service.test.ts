import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, userStore, tokenStore, escStore } from '../db/index.js';
import { SecretBox } from '../secrets/index.js';
import { AuthService } from './auth-service.js';
import { hashPassword } from './password.js';
import { hashToken } from './token.js';

function makeAuth(file = join(mkdtempSync(join(tmpdir(), 'rt-auth-')), 'db.sqlite'), key = randomBytes(32)) {
  const db = openDatabase(file);
  return new AuthService(userStore(db), tokenStore(db), escStore(db), new SecretBox(key));
}

test('a new user may read, call and create jobs, but deploy over or delete only what it owns', async () => {
  const auth = makeAuth();
  await auth.createUser('dev@example.com');
  const { token } = auth.createToken('user:dev@example.com', 'laptop');
  const s = auth.authenticate(token)!;
  assert.equal(s.name, 'dev@example.com');
  for (const scope of ['read_job', 'call_job', 'deploy_new_family'] as const) assert.equal(auth.can(s, scope, 'adder'), true, scope);
  assert.equal(auth.can(s, 'deploy_job', 'adder'), false);
  assert.equal(auth.can(s, 'delete_job', 'adder'), false);
  auth.ownFamily('mine', s);
  assert.equal(auth.can(s, 'deploy_job', 'mine'), true);
  assert.equal(auth.can(s, 'delete_job', 'mine'), true);
  assert.equal(auth.can(s, 'deploy_job', 'adder'), false);
});

test('deploy_job granted on a job also allows deleting it; delete_job alone does not allow deploying', async () => {
  const auth = makeAuth();
  await auth.createUser('a@example.com');
  const a = auth.authenticate(auth.createToken('user:a@example.com', 't').token)!;
  auth.grant('user:a@example.com', 'x', 'deploy_job');
  auth.grant('user:a@example.com', 'y', 'delete_job');
  assert.equal(auth.can(a, 'delete_job', 'x'), true);
  assert.equal(auth.can(a, 'deploy_job', 'y'), false);
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

test('what a token may call follows every change on the next call: deactivation, reactivation, a revoked grant', async () => {
  const auth = makeAuth();
  await auth.createUser('w@example.com');
  const { token } = auth.createToken('user:w@example.com', 't');
  assert.equal(auth.authorizeCall(token, 'adder').ok, true, 'a new user may call every job');
  auth.setUserActive('w@example.com', false);
  assert.deepEqual(auth.authorizeCall(token, 'adder'), { ok: false, status: 401, error: 'unknown or revoked token' });
  auth.setUserActive('w@example.com', true);
  assert.equal(auth.authorizeCall(token, 'adder').ok, true);
  auth.revoke('user:w@example.com', '*', 'call_job');
  const refused = auth.authorizeCall(token, 'adder');
  assert.equal(!refused.ok && refused.status, 403);
});

test('token hashes stay SHA-256 hex, so tokens stored before still match', () => {
  // FIPS 180-2 test vector for "abc"
  assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('job family tokens are random, survive a restart sealed, never stored in plaintext, and need a grant to call', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'rt-auth-')), 'db.sqlite');
  const key = randomBytes(32);
  const auth = makeAuth(file, key);
  auth.ownFamily('chain', { kind: 'job', name: 'owner-is-irrelevant-here' });
  const t = auth.familyToken('chain');
  assert.match(t, /^rtj_/);
  assert.equal(auth.familyToken('chain'), t);
  assert.equal(makeAuth(file, key).familyToken('chain'), t, 'the same token after a restart');
  for (const f of [file, `${file}-wal`]) assert.ok(existsSync(f) && !readFileSync(f).includes(t), `not in ${f}`);
  assert.ok(readFileSync(`${file}-wal`).includes(hashToken(t)), 'its hash is');
  assert.equal(auth.authorizeCall(t, 'adder').ok, false);
  auth.grant('job:chain', 'adder', 'call_job');
  assert.deepEqual(auth.authorizeCall(t, 'adder'), { ok: true, caller: { kind: 'job', name: 'chain' } });
});

test('a rotated family token replaces the old one once the old is revoked; a forgotten family keeps nothing', () => {
  const auth = makeAuth();
  auth.ownFamily('chain', { kind: 'esc', name: 'ci' });
  const old = auth.familyToken('chain');
  auth.grant('job:chain', 'adder', 'call_job');
  const fresh = auth.issueFamilyToken('chain');
  assert.equal(auth.familyToken('chain'), fresh.token, 'versions started from now on get the new one');
  assert.equal(auth.authorizeCall(old, 'adder').ok, true, 'the old one works until revoked');
  assert.equal(auth.revokeFamilyTokens('chain', fresh.id), 1);
  assert.equal(auth.authorizeCall(old, 'adder').ok, false);
  assert.equal(auth.authorizeCall(fresh.token, 'adder').ok, true);
  auth.forgetFamily('chain');
  assert.equal(auth.authorizeCall(fresh.token, 'adder').ok, false);
  assert.deepEqual(auth.grantsOf('job:chain'), []);
  assert.deepEqual(auth.grantsOf('esc:ci'), [], 'the owner\'s grants on the name went too');
  auth.ownFamily('chain', { kind: 'esc', name: 'other' });
  assert.notEqual(auth.familyToken('chain'), fresh.token);
});

test('register: a new email, a later registration replacing a pending one, and an account left alone', async () => {
  const auth = makeAuth();
  const h1 = await hashPassword('first');
  assert.equal(auth.register('v@example.com', h1, { active: false, from: '10.0.0.1' }), 'created');
  assert.equal(auth.register('v@example.com', await hashPassword('second'), { active: false, from: '10.0.0.2' }), 'replaced pending');
  const pending = auth.setUserActive('v@example.com', true);
  assert.deepEqual([pending.registerAttempts, pending.registeredFrom, pending.activatedAt], [2, '10.0.0.2', null]);
  assert.equal((await auth.login('v@example.com', 'second')).email, 'v@example.com');
  await assert.rejects(auth.login('v@example.com', 'first'), /wrong email or password/);
  assert.equal(auth.register('v@example.com', await hashPassword('third'), { active: false, from: '10.0.0.3' }), 'unchanged');
  auth.setUserActive('v@example.com', false);
  assert.equal(auth.register('v@example.com', await hashPassword('third'), { active: false, from: '10.0.0.3' }), 'unchanged', 'a deactivated account is not pending');
  auth.setUserActive('v@example.com', true);
  assert.equal((await auth.login('v@example.com', 'second')).email, 'v@example.com');
});

test('passwords: login with the right one, refused with a wrong one or while inactive', async () => {
  const auth = makeAuth();
  await auth.createUser('p@example.com', { password: 'correct horse', active: false });
  await assert.rejects(auth.login('p@example.com', 'correct horse'), /not active/);
  auth.setUserActive('p@example.com', true);
  assert.equal((await auth.login('p@example.com', 'correct horse')).email, 'p@example.com');
  await assert.rejects(auth.login('p@example.com', 'wrong'), /wrong email or password/);
});
