import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from '../core/errors.js';
import { findManifest } from './find-manifest.js';

function repo(files: Record<string, string>) {
  return { paths: Object.keys(files), readFile: (p: string) => files[p] };
}

function find(jobName: string, files: Record<string, string>) {
  const { paths, readFile } = repo(files);
  return findManifest(jobName, paths, readFile);
}

function findError(jobName: string, files: Record<string, string>): string {
  try {
    find(jobName, files);
  } catch (e) {
    assert.ok(e instanceof BadRequestError, String(e));
    return e.message;
  }
  return assert.fail('expected findManifest to throw');
}

test('findManifest takes the root job.yaml when it names the job', () => {
  const text = 'name: adder\njobtype: python3\n';
  assert.deepEqual(find('adder', { 'job.yaml': text, 'other/job.yaml': 'name: adder\n' }), { path: 'job.yaml', text, root: '' });
});

test('findManifest rejects a root job.yaml naming another job', () => {
  assert.equal(findError('y', { 'job.yaml': 'name: x\n' }), 'job.yaml names "x" but this remote is "y"');
});

test('findManifest returns a root job.yaml it cannot read a name from, for parseManifest to explain', () => {
  assert.equal(find('adder', { 'job.yaml': 'name: [\n' }).path, 'job.yaml');
  assert.equal(find('adder', { 'job.yaml': 'jobtype: python3\n' }).path, 'job.yaml');
});

test('findManifest picks the one job.yaml in the tree named like the job (monorepo)', () => {
  const files = {
    'README.md': '# mono',
    'jobs/adder/job.yaml': 'name: adder\njobtype: python3\n',
    'jobs/sub/job.yaml': 'name: sub\njobtype: python3\n',
    'jobs/adder/not-job.yaml': 'name: adder\n',
  };
  assert.deepEqual(find('adder', files), { path: 'jobs/adder/job.yaml', text: files['jobs/adder/job.yaml'], root: 'jobs/adder' });
});

test('findManifest follows extends to learn a name', () => {
  const files = { 'jobs/adder/job.yaml': 'extends: ../base.yaml\n', 'jobs/base.yaml': 'name: adder\njobtype: python3\n' };
  assert.equal(find('adder', files).root, 'jobs/adder');
});

test('findManifest names every job.yaml and its name when none matches', () => {
  const files = { 'a/job.yaml': 'name: x\n', 'b/job.yaml': 'name: y\n', 'c/job.yaml': '- broken\n' };
  assert.equal(
    findError('adder', files),
    'no job.yaml named "adder" in this commit; found: a/job.yaml (name "x"), b/job.yaml (name "y"), c/job.yaml (no readable name)',
  );
});

test('findManifest refuses two job.yaml files with the job name', () => {
  const files = { 'a/job.yaml': 'name: adder\n', 'b/job.yaml': 'name: adder\n' };
  assert.equal(
    findError('adder', files),
    'more than one job.yaml named "adder" in this commit; found: a/job.yaml (name "adder"), b/job.yaml (name "adder")',
  );
});

test('findManifest says so when the commit has no job.yaml at all', () => {
  assert.match(findError('adder', { 'main.py': '' , 'job.yml': 'name: adder\n' }), /^no job.yaml in this commit/);
});
