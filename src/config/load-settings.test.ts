import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from './load-settings.js';

test('defaults follow the contract', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-cfg-'));
  const s = loadSettings({}, { RACETRACK_DATA_DIR: dir });
  assert.deepEqual(
    { bind: s.bind, http: s.httpPort, ssh: s.sshPort, infra: s.infra, auth: s.authRequired },
    { bind: '127.0.0.1', http: 7002, ssh: 2222, infra: 'local', auth: true },
  );
});

test('flag beats env beats racetrack.yaml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-cfg-'));
  writeFileSync(join(dir, 'racetrack.yaml'), 'http_port: 8001\nssh_port: 8022\ninfra: docker\n');
  const s = loadSettings({ httpPort: '9001' }, { RACETRACK_DATA_DIR: dir, RACETRACK_SSH_PORT: '9022' });
  assert.deepEqual([s.httpPort, s.sshPort, s.infra], [9001, 9022, 'docker']);
});

test('a bad value names the setting', () => {
  assert.throws(() => loadSettings({}, { RACETRACK_HTTP_PORT: 'eighty' }), /RACETRACK_HTTP_PORT \(--http-port\): "eighty" is not a whole number/);
  assert.throws(() => loadSettings({}, { RACETRACK_INFRA: 'Mars!' }), /RACETRACK_INFRA .*"Mars!" is not a target name/);
  assert.throws(() => loadSettings({}, { RACETRACK_AUTH_REQUIRED: 'maybe' }), /is not true or false/);
  // 0 is no limit to the engine
  assert.throws(() => loadSettings({}, { RACETRACK_DOCKER_PIDS_LIMIT: '0' }), /RACETRACK_DOCKER_PIDS_LIMIT \(--docker-pids-limit\): "0" is not a whole number of at least 1/);
});

test('operations settings: durations with units or off, counts; defaults off, all, 10 min', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-cfg-'));
  const d = loadSettings({}, { RACETRACK_DATA_DIR: dir });
  assert.deepEqual([d.idleStopAfterMs, d.keepVersions, d.rollbackWindowMs, d.keepDeployLogs], [0, 0, 600_000, 20]);
  writeFileSync(join(dir, 'racetrack.yaml'), 'idle_stop_after: 15m\nkeep_versions: 3\n');
  const s = loadSettings({}, { RACETRACK_DATA_DIR: dir, RACETRACK_ROLLBACK_WINDOW: '90s' });
  assert.deepEqual([s.idleStopAfterMs, s.keepVersions, s.rollbackWindowMs], [900_000, 3, 90_000]);
  assert.equal(loadSettings({}, { RACETRACK_DATA_DIR: dir, RACETRACK_IDLE_STOP_AFTER: 'off' }).idleStopAfterMs, 0);
  assert.throws(() => loadSettings({}, { RACETRACK_IDLE_STOP_AFTER: 'soon' }), /RACETRACK_IDLE_STOP_AFTER \(--idle-stop-after\): "soon" is not a duration/);
  assert.throws(() => loadSettings({}, { RACETRACK_KEEP_VERSIONS: '-1' }), /RACETRACK_KEEP_VERSIONS \(--keep-versions\)/);
});
