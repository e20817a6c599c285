import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gitProtocol, speaksV2 } from './git-protocol.js';

test('GIT_PROTOCOL passes to git only in git\'s own shape', () => {
  assert.equal(gitProtocol('version=2'), 'version=2');
  assert.equal(gitProtocol(['version=2:object-format=sha1', 'x']), 'version=2:object-format=sha1');
  for (const bad of ['version=2\nGIT_DIR=/etc', 'version=2; rm -rf /', '$(id)', '', 'a'.repeat(300), 'version=2:']) {
    assert.equal(gitProtocol(bad), undefined, JSON.stringify(bad));
  }
  assert.equal(gitProtocol(undefined), undefined);
});

test('v2 is told from the parameters, not from a substring', () => {
  assert.equal(speaksV2('version=2'), true);
  assert.equal(speaksV2('object-format=sha1:version=2'), true);
  assert.equal(speaksV2('version=20'), false);
  assert.equal(speaksV2('version=1'), false);
  assert.equal(speaksV2(undefined), false);
});
