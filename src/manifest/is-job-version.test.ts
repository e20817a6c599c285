import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJobVersion } from './is-job-version.js';

test('isJobVersion accepts x.y.z and x.y.z-label', () => {
  for (const v of ['0.0.1', '1.2.3', '10.20.30', '1.0.0-alpha', '1.0.0-rc.1', '0.0.0-dev-2']) assert.equal(isJobVersion(v), true, v);
});

test('isJobVersion rejects everything else', () => {
  for (const v of ['1.0', '1', 'v1.2.3', '1.2.3+build', '01.2.3', '1.2.3-', '1.2.3-a_b', 'latest', '', '1.2.3 ', `1.2.3-${'a'.repeat(200)}`]) {
    assert.equal(isJobVersion(v), false, v);
  }
});
