import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceName } from './resource-name.js';

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

test('resourceName keeps a readable lower-case part and adds a hash of the exact name', () => {
  assert.match(resourceName('My_Job.v2'), /^my-job-v2-[0-9a-f]{16}$/);
  assert.match(resourceName('adder'), /^adder-[0-9a-f]{16}$/);
  assert.equal(resourceName('adder'), resourceName('adder'));
});

test('names that differ only in case, _, . or - get distinct resource names', () => {
  const names = ['Adder', 'adder', 'ADDER', 'ad_der', 'ad-der', 'ad.der', 'A-b', 'a-b', 'a_b', 'adder_', 'adder-', 'adder'];
  const derived = new Set(names.map(resourceName));
  assert.equal(derived.size, new Set(names).size);
});

test('resourceName is a DNS-1123 label of at most 63 characters', () => {
  for (const name of ['x'.repeat(63), `${'a'.repeat(62)}_`, 'adder_', '9lives', 'a.b.c', `A${'_'.repeat(62)}`]) {
    const r = resourceName(name);
    assert.ok(r.length <= 63, `${r} is ${r.length} long`);
    assert.match(r, DNS_LABEL);
  }
  assert.equal(resourceName('x'.repeat(70)).length, 63);
});
