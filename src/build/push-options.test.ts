import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePushOptions } from './push-options.js';

test('push options: force and infra are understood', () => {
  assert.deepEqual(parsePushOptions([]), { force: false });
  assert.deepEqual(parsePushOptions(['force', 'infra=docker']), { force: true, infra: 'docker' });
});

test('push options: an unknown option is named in the error', () => {
  assert.throws(() => parsePushOptions(['frce']), /push option "frce" is unknown/);
  assert.throws(() => parsePushOptions(['infra=']), /push option "infra=" is unknown/);
});
