import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMemoryQuantity } from './parse-memory-quantity.js';

test('parseMemoryQuantity reads binary and decimal suffixes as bytes', () => {
  assert.equal(parseMemoryQuantity('512Mi'), 512 * 2 ** 20);
  assert.equal(parseMemoryQuantity('1Gi'), 2 ** 30);
  assert.equal(parseMemoryQuantity('1G'), 1e9);
  assert.equal(parseMemoryQuantity('1.5Ki'), 1536);
  assert.equal(parseMemoryQuantity('1073741824'), 2 ** 30);
  assert.equal(parseMemoryQuantity('500M'), 5e8);
});

test('parseMemoryQuantity refuses malformed text and sub-byte suffixes', () => {
  for (const q of ['', 'Mi', '1 Gi', '-1Gi', '1gi', '1GB', '512m', '1e3', '0x10', '1.2.3Mi', `${'9'.repeat(400)}`]) {
    assert.equal(parseMemoryQuantity(q), undefined, q);
  }
});
