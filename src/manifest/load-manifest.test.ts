import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManifestError } from '../core/errors.js';
import { loadManifest } from './load-manifest.js';

const opts = { path: 'jobs/adder/job.yaml', readFile: () => undefined };

test('loadManifest returns the manifest and warnings', () => {
  const { manifest, warnings } = loadManifest('name: adder\nlang: python3\n', opts);
  assert.equal(manifest.jobtype, 'python3');
  assert.deepEqual(warnings, ['lang is deprecated, use jobtype']);
});

test('loadManifest throws ManifestError with every error, the first on the first line', () => {
  assert.throws(
    () => loadManifest('name: adder\njobtype: python3\nversion: 1.0\nreplicas: 0\n', opts),
    (e: unknown) => {
      assert.ok(e instanceof ManifestError);
      assert.equal(e.message, 'jobs/adder/job.yaml: version: "1.0" is not a semantic version x.y.z');
      assert.deepEqual(e.details, ['jobs/adder/job.yaml: replicas: must be a whole number from 1 to 50, not 0']);
      assert.equal(e.errors.length, 2);
      assert.equal(e.httpStatus, 400);
      return true;
    },
  );
});

test('loadManifest reports malformed YAML with the file, line and column', () => {
  assert.throws(() => loadManifest('name: [\n', opts), /^ManifestError: jobs\/adder\/job.yaml: line \d+, column \d+: /);
});
