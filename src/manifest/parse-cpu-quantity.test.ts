import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCpuQuantity } from './parse-cpu-quantity.js';

test('parseCpuQuantity reads cores and millicores', () => {
  assert.equal(parseCpuQuantity('100m'), 0.1);
  assert.equal(parseCpuQuantity('2'), 2);
  assert.equal(parseCpuQuantity('0.5'), 0.5);
  assert.equal(parseCpuQuantity('1000m'), 1);
});

test('parseCpuQuantity refuses malformed text and memory suffixes', () => {
  for (const q of ['', 'm', '1 m', '-1', '1Gi', '1k', 'abc', '1.5.0']) assert.equal(parseCpuQuantity(q), undefined, q);
});
