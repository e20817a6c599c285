import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError, JobNotFoundError } from './errors.js';

test('ManifestError puts the first field error on the first line', () => {
  const e = new ManifestError('job.yaml', [
    { field: 'version', message: '"1.0" is not a semantic version x.y.z' },
    { field: 'replicas', message: 'must be an integer from 1 to 50' },
  ]);
  assert.equal(e.message, 'job.yaml: version: "1.0" is not a semantic version x.y.z');
  assert.deepEqual(e.details, ['job.yaml: replicas: must be an integer from 1 to 50']);
  assert.equal(e.httpStatus, 400);
});

test('JobNotFoundError names the job', () => {
  assert.equal(new JobNotFoundError('x').message, 'job "x" not found');
  assert.equal(new JobNotFoundError('x').exitCode, 1);
});
