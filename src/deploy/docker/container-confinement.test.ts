import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerUser } from './container-confinement.js';

test('an image user that is root, or a name that may map to root, runs as nobody instead', () => {
  for (const user of [undefined, '', 'root', '0', '0:0', 'root:root', '10000:0', '0:10000', '10000', 'job', 'job:job']) {
    assert.equal(containerUser(user), '65534:65534', String(user));
  }
  assert.equal(containerUser('10000:10000'), '10000:10000');
});
