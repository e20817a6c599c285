import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepMerge } from './deep-merge.js';

test('deepMerge merges mappings, replaces scalars and lists, the child wins', () => {
  const base = { name: 'base', resources: { cpu_min: '10m', cpu_max: '1' }, public_endpoints: ['/a', '/b'], labels: { team: 'x' } };
  const child = { name: 'child', resources: { cpu_min: '100m' }, public_endpoints: ['/c'], replicas: 3 };
  assert.deepEqual(deepMerge(base, child), {
    name: 'child',
    resources: { cpu_min: '100m', cpu_max: '1' },
    public_endpoints: ['/c'],
    labels: { team: 'x' },
    replicas: 3,
  });
});

test('deepMerge lets a child replace a mapping with a scalar and leaves its inputs alone', () => {
  const base = { git: { remote: 'r' } };
  assert.deepEqual(deepMerge(base, { git: null }), { git: null });
  assert.deepEqual(base, { git: { remote: 'r' } });
});
