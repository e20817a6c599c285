import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploymentStore, openDatabase } from '../db/index.js';
import { PlatformMetrics } from '../core/platform-metrics.js';
import { meteredDeployments } from './metered-deployments.js';

test('each phase is timed until the next; the phase a deployment fails in is timed as failed', () => {
  const store = deploymentStore(openDatabase(join(mkdtempSync(join(tmpdir(), 'rt-metered-')), 'db.sqlite')));
  let clock = 0;
  const metrics = new PlatformMetrics();
  const deployments = meteredDeployments(store, metrics, () => clock);
  const begin = (id: string) => deployments.create({ id, jobName: 'adder', deployedBy: 'admin', logPath: '/dev/null' });

  begin('ok');
  clock = 1000;
  deployments.update('ok', { phase: 'build' });
  deployments.update('ok', { version: '1.0.0' });
  clock = 4000;
  deployments.update('ok', { phase: 'ready' });
  deployments.finish('ok', 'done');

  begin('bad');
  deployments.update('bad', { phase: 'build' });
  clock = 6000;
  deployments.finish('bad', 'failed', 'compile error');

  assert.equal(store.get('ok')?.status, 'done', 'the store still records');
  const text = metrics.render();
  assert.match(text, /^racetrack_deploy_phase_duration_seconds_sum\{phase="received",result="done"\} 1$/m);
  assert.match(text, /^racetrack_deploy_phase_duration_seconds_sum\{phase="build",result="done"\} 3$/m);
  assert.match(text, /^racetrack_deploy_phase_duration_seconds_sum\{phase="build",result="failed"\} 2$/m);
  assert.match(text, /^racetrack_deploy_phase_duration_seconds_count\{phase="ready",result="done"\} 1$/m);
  assert.match(text, /^racetrack_deploy_duration_seconds_sum\{result="done"\} 4$/m);
  assert.match(text, /^racetrack_deploys_total\{result="failed"\} 1$/m);
});
