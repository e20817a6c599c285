import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceName } from './resource-name.js';

test('resourceName lower-cases and turns _ and . into -', () => {
  assert.equal(resourceName('My_Job.v2'), 'my-job-v2');
  assert.equal(resourceName('adder'), 'adder');
});

test('resourceName caps at 63 characters without a trailing -', () => {
  const name = `${'a'.repeat(62)}_b`;
  assert.equal(resourceName(name), 'a'.repeat(62));
  assert.equal(resourceName('x'.repeat(70)).length, 63);
  assert.equal(resourceName('adder_'), 'adder');
});
