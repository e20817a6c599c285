import { test } from 'node:test';
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import { newHostKey } from './host-key.js';

test('every host key made is one the ssh server can load (ssh2 alone fails about once in 200)', () => {
  for (let i = 0; i < 1000; i++) {
    const { privateKey } = newHostKey();
    assert.ok(!(ssh2.utils.parseKey(privateKey) instanceof Error), `key ${i} does not parse`);
  }
});
