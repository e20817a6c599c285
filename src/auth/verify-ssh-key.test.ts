import { test } from 'node:test';
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import type { SshKey, User } from '../db/index.js';
import { fingerprintOf } from './parse-public-key.js';
import { verifySshKey } from './verify-ssh-key.js';
import { newHostKey } from '../ssh/host-key.js';

const pair = () => {
  const keys = newHostKey();
  const parsed = ssh2.utils.parseKey(keys.publicKey) as ssh2.ParsedKey;
  return { blob: parsed.getPublicSSH(), line: keys.publicKey, privateKey: ssh2.utils.parseKey(keys.privateKey) as ssh2.ParsedKey };
};

const user = (isActive = true): User => ({
  id: 1, email: 'dev@example.com', isActive, isAdmin: false, createdAt: 0, registeredAt: null, registerAttempts: 0, registeredFrom: null, activatedAt: 0,
});

const storeWith = (key: { blob: Buffer; line: string }, owner: User) => ({
  keyByFingerprint: (fp: string): SshKey | undefined =>
    fp === fingerprintOf(key.blob) ? { id: 1, userId: owner.id, name: 'k', publicKey: key.line, fingerprint: fp, createdAt: 0 } : undefined,
  byId: (id: number) => (id === owner.id ? owner : undefined),
});

test('a registered key is acceptable unsigned and proves its user once signed; a forged signature is refused', () => {
  const k = pair();
  const users = storeWith(k, user());
  assert.equal(verifySshKey(users, { key: k.blob }), 'acceptable');
  const blob = Buffer.from('session data the client signs');
  const signature = k.privateKey.sign(blob);
  const proven = verifySshKey(users, { key: k.blob, blob, signature });
  assert.equal(typeof proven === 'object' && proven.user.email, 'dev@example.com');
  const other = pair();
  assert.equal(verifySshKey(users, { key: k.blob, blob, signature: other.privateKey.sign(blob) }), 'refused');
  assert.equal(verifySshKey(users, { key: k.blob, blob: Buffer.from('something else'), signature }), 'refused');
});

test('an unknown key, or the key of an inactive user, is refused', () => {
  const k = pair();
  assert.equal(verifySshKey(storeWith(k, user()), { key: pair().blob }), 'refused');
  assert.equal(verifySshKey(storeWith(k, user(false)), { key: k.blob }), 'refused');
});
