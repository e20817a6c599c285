import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localRequirementPaths } from './local-requirement-paths.js';

test('local paths in a requirements file are found; index packages and escapes are not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-req-'));
  writeFileSync(join(dir, 'requirements.txt'), [
    '# pinned', 'requests==2.31.0', './wheels/tiny-1.0-py3-none-any.whl', 'file:./libs/pkg  # editable-ish',
    './wheels/tiny-1.0-py3-none-any.whl', '../../etc/passwd', '-r other.txt', '',
  ].join('\n'));
  assert.deepEqual(localRequirementPaths(dir, 'requirements.txt'), ['libs/pkg', 'wheels/tiny-1.0-py3-none-any.whl']);
  assert.deepEqual(localRequirementPaths(dir, 'missing.txt'), []);
});
