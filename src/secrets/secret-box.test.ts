import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box.js';

test('a sealed secret opens with its context and never shows its value', () => {
  const box = new SecretBox(randomBytes(32));
  const sealed = box.seal('hunter2', 'adder\0DB_PASSWORD\0runtime');
  assert.ok(!sealed.includes('hunter2'));
  assert.equal(box.open(sealed, 'adder\0DB_PASSWORD\0runtime'), 'hunter2');
});

test('a secret moved to another job or key does not open', () => {
  const box = new SecretBox(randomBytes(32));
  const sealed = box.seal('hunter2', 'adder\0A\0runtime');
  assert.throws(() => box.open(sealed, 'other\0A\0runtime'));
});
