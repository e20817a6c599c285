import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobVersion } from '../db/index.js';
import { latestOf, rollbackTarget, versionsToRetire } from './lifecycle-policies.js';

const NOW = 1_000_000_000;
function v(version: string, over: Partial<JobVersion> = {}): JobVersion {
  return {
    name: 'j', version, commit: 'c', jobType: 'python3', status: 'running', target: 'local', upstreams: [], artifact: {}, promoted: true,
    error: null, deployedBy: 'd', deploymentId: version, createdAt: 0, updatedAt: 0, lastCallAt: null, replicas: null, idleAfterMs: null,
    pinned: false, promotedAt: NOW - 1000, rolledBack: null,
    manifest: { name: 'j', jobtype: 'python3', version, jobtype_extra: {}, build_env: {}, runtime_env: {}, labels: {}, public_endpoints: [], replicas: 1, resources: {}, system_dependencies: [] },
    ...over,
  };
}

test('latest: the highest promoted stable version that serves, idle ones included', () => {
  assert.equal(latestOf([v('2.0.0', { status: 'idle' }), v('1.0.0')]), '2.0.0');
  assert.equal(latestOf([v('3.0.0', { promoted: false }), v('2.0.0', { status: 'error' }), v('1.0.0')]), '1.0.0');
  assert.equal(latestOf([v('1.0.0', { status: 'stopped' })]), undefined);
});

test('retention keeps the newest N serving versions, latest and pinned ones', () => {
  const versions = [v('1.0.4'), v('1.0.3', { status: 'idle' }), v('1.0.2', { status: 'error' }), v('1.0.1', { pinned: true }), v('1.0.0')];
  assert.deepEqual(versionsToRetire(versions, 2).map((x) => x.version), ['1.0.0']);
  assert.deepEqual(versionsToRetire(versions, 0), []);
  // latest is kept even when it is older than the newest N (a newer one not promoted yet)
  const unpromoted = [v('2.0.1', { promoted: false }), v('2.0.0', { promoted: false }), v('1.0.0')];
  assert.deepEqual(versionsToRetire(unpromoted, 1).map((x) => x.version), ['2.0.0']);
});

test('rollback: only latest, only inside the window, only to a version that serves', () => {
  const failed = v('2.0.0', { status: 'error' });
  assert.equal(rollbackTarget(failed, [failed, v('1.0.0')], 600_000, NOW), '1.0.0');
  assert.equal(rollbackTarget(failed, [failed, v('1.0.0')], 500, NOW), undefined, 'outside the window');
  assert.equal(rollbackTarget(failed, [failed, v('1.0.0', { status: 'error' })], 600_000, NOW), undefined, 'nothing to return to');
  const older = v('1.0.0', { status: 'error' });
  assert.equal(rollbackTarget(older, [v('2.0.0'), older], 600_000, NOW), undefined, 'not latest');
  assert.equal(rollbackTarget(v('2.0.0', { promotedAt: null }), [v('1.0.0')], 600_000, NOW), undefined, 'never promoted');
});
