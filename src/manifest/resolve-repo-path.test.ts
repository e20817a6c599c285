import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveRepoPath } from './resolve-repo-path.js';

test('resolveRepoPath resolves from the folder of the referring file', () => {
  assert.deepEqual(resolveRepoPath('job.yaml', 'base.yaml'), { path: 'base.yaml' });
  assert.deepEqual(resolveRepoPath('jobs/adder/job.yaml', '../base.yaml'), { path: 'jobs/base.yaml' });
  assert.deepEqual(resolveRepoPath('jobs/adder/job.yaml', './base/job.yaml'), { path: 'jobs/adder/base/job.yaml' });
  assert.deepEqual(resolveRepoPath('jobs/adder/job.yaml', '../../base.yaml'), { path: 'base.yaml' });
});

test('resolveRepoPath refuses paths that leave the repo, absolute paths and empty paths', () => {
  assert.match(JSON.stringify(resolveRepoPath('job.yaml', '../x.yaml')), /outside the repository/);
  assert.match(JSON.stringify(resolveRepoPath('jobs/adder/job.yaml', '../../../x.yaml')), /outside the repository/);
  assert.match(JSON.stringify(resolveRepoPath('job.yaml', '/etc/passwd')), /not an absolute path/);
  assert.match(JSON.stringify(resolveRepoPath('job.yaml', '')), /is empty/);
  assert.match(JSON.stringify(resolveRepoPath('job.yaml', '.')), /does not name a file/);
});
