import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from '../core/errors.js';
import { parseJobtype } from './parse-jobtype.js';

test('parseJobtype splits NAME:VERSION', () => {
  assert.deepEqual(parseJobtype('python3:1.2.3'), { name: 'python3', version: '1.2.3' });
  assert.deepEqual(parseJobtype('docker-http:0.1.0-dev'), { name: 'docker-http', version: '0.1.0-dev' });
});

test('parseJobtype reads NAME and NAME:latest as latest', () => {
  assert.deepEqual(parseJobtype('python3'), { name: 'python3', version: 'latest' });
  assert.deepEqual(parseJobtype('python3:latest'), { name: 'python3', version: 'latest' });
});

test('parseJobtype rejects malformed references', () => {
  for (const bad of ['', ':1.2.3', 'python3:', 'python3:1.2', 'python3:v1.2.3', 'py thon', 'python3:1.2.3:4', '-x']) {
    assert.throws(() => parseJobtype(bad), BadRequestError, bad);
  }
});
