// The version lifecycle over a real SQLite file and the in-memory fake target, with the route table following its
// events: deploy steps, idle stop and a shared wake, calls in flight, scale, restore, rollback and retention.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditStore, jobStore, openDatabase, type Db } from '../db/index.js';
import { AuditLog } from '../audit/index.js';
import { PlatformMetrics } from '../core/platform-metrics.js';
import { versionKey } from '../core/version-key.js';
import { TargetRegistry, type InstanceSpec } from '../deploy/index.js';
import { FakeTarget } from '../deploy/fake/fake-target.js';
import type { Artifact } from '../jobtypes/index.js';
import type { Manifest } from '../manifest/index.js';
import { RouteTable } from '../router/index.js';
import { followLifecycle } from './route-follower.js';
import { VersionLifecycle, type LifecyclePolicy } from './version-lifecycle.js';

const artifact: Artifact = { kind: 'process', jobType: 'python3', jobTypeVersion: '1.0.0', jobDir: '/nonexistent', command: { cmd: 'true', args: [], cwd: '/', env: {}, readOnlyPaths: [] } };
const manifest = (version: string): Manifest => ({
  name: 'job', jobtype: 'python3', version, jobtype_extra: {}, build_env: {}, runtime_env: {}, labels: {}, public_endpoints: [], replicas: 1, resources: {}, system_dependencies: [],
});

describe('VersionLifecycle', () => {
  let dir: string;
  let db: Db;
  let store: ReturnType<typeof jobStore>;
  let fake: FakeTarget;
  /** every "process" of the test's life: each shuts its replicas down at the end */
  const fakes: FakeTarget[] = [];
  let routes: RouteTable;
  let life: VersionLifecycle;
  const audit = () => new AuditLog(auditStore(db));
  const metrics = new PlatformMetrics();
  /** a counter of job NAME as /metrics shows it */
  const counted = (family: string, job: string) => Number(new RegExp(`^${family}\\{job="${job}"\\} (\\S+)$`, 'm').exec(metrics.render())?.[1]);

  function lifecycle(policy: Partial<LifecyclePolicy> = {}): VersionLifecycle {
    fake = new FakeTarget();
    fakes.push(fake);
    const targets = new TargetRegistry();
    targets.register(fake);
    const l = new VersionLifecycle({
      store, targets, audit: audit(), readyTimeoutMs: 5000,
      policy: { idleAfterMs: 0, keepVersions: 0, rollbackWindowMs: 600_000, ...policy }, metrics,
      specOf: (v): InstanceSpec => ({ name: v.name, version: v.version, deploymentId: v.deploymentId, replicas: v.replicas ?? v.manifest.replicas, env: {}, resources: {} }),
    });
    routes = new RouteTable();
    followLifecycle(routes, l);
    return l;
  }

  async function deploy(l: VersionLifecycle, name: string, version: string): Promise<void> {
    store.createFamily(name, 'dev@example.com');
    const launch = { name, version, deploymentId: `d-${name}-${version}`, commit: 'c0ffee', manifest: manifest(version), target: 'fake', artifact };
    const upstreams = await l.start(launch);
    await l.activate({ ...launch, jobType: 'python3', upstreams, artifact: { ...artifact }, deployedBy: 'dev@example.com' });
    await l.promote(name, version);
  }

  const status = (name: string, version: string) => store.get(name, version)?.status;
  const running = async (name: string, version: string) => (await fake.list()).some((r) => r.name === name && r.version === version);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-lifecycle-'));
    db = openDatabase(join(dir, 'racetrack.db'));
    store = jobStore(db);
  });
  after(async () => {
    life?.close();
    for (const f of fakes) await f.shutdown();
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a deploy is started, activated and promoted; the route table follows', async () => {
    life = lifecycle();
    await deploy(life, 'a', '1.0.0');
    assert.equal(status('a', '1.0.0'), 'running');
    assert.equal(routes.resolve('a', 'latest')?.version, '1.0.0');
    assert.deepEqual(routes.get('a', '1.0.0')?.upstreams, store.get('a', '1.0.0')?.upstreams);
  });

  test('idle stop: the version stops and stays routable as idle; concurrent wakes start it once', async () => {
    store.configure('a', '1.0.0', { idleAfterMs: 1000 });
    const done = life.activity.started(versionKey('a', '1.0.0'));
    assert.deepEqual(await life.stopIdle(Date.now() + 60_000), [], 'never idled under a call in flight');
    done();
    assert.deepEqual(await life.stopIdle(Date.now() + 60_000), ['a 1.0.0']);
    assert.equal(status('a', '1.0.0'), 'idle');
    assert.equal(await running('a', '1.0.0'), false);
    assert.deepEqual({ ...routes.resolve('a', 'latest') }, { ...routes.get('a', '1.0.0'), status: 'idle', upstreams: [] });

    await Promise.all([life.wake('a', '1.0.0'), life.wake('a', '1.0.0'), life.wake('a', '1.0.0')]);
    assert.equal(status('a', '1.0.0'), 'running');
    assert.equal(routes.get('a', '1.0.0')?.status, 'running');
    assert.equal(counted('racetrack_wakes_total', 'a'), 1);
    assert.equal(counted('racetrack_idle_stops_total', 'a'), 1);
    assert.equal(counted('racetrack_wake_duration_seconds_count', 'a'), 1);
  });

  test('scale: a running version changes replicas at once; an idle one starts with them', async () => {
    const v = store.get('a', '1.0.0')!;
    await life.scale(v, 3);
    assert.equal(routes.get('a', '1.0.0')?.upstreams.length, 3);
    assert.deepEqual(routes.get('a', '1.0.0')?.upstreams.slice(0, 1), v.upstreams);
    await life.stopIdle(Date.now() + 60_000);
    await life.scale(store.get('a', '1.0.0')!, 2);
    assert.equal(status('a', '1.0.0'), 'idle');
    await life.wake('a', '1.0.0');
    assert.equal(routes.get('a', '1.0.0')?.upstreams.length, 2);
    store.configure('a', '1.0.0', { idleAfterMs: 0 });
  });

  test('restore at start: running versions start again on their target, idle ones stay idle', async () => {
    await deploy(life, 'b', '1.0.0');
    store.configure('b', '1.0.0', { idleAfterMs: 1000 });
    await life.stopIdle(Date.now() + 60_000);
    life.close();
    life = lifecycle(); // a new process: the fake target runs nothing
    await life.restoreAll();
    assert.equal(status('a', '1.0.0'), 'running');
    assert.equal(await running('a', '1.0.0'), true);
    assert.equal(routes.get('a', '1.0.0')?.upstreams.length, 2, 'scaled replicas survive a restart');
    assert.equal(status('b', '1.0.0'), 'idle');
    assert.equal(await running('b', '1.0.0'), false);
    assert.equal(routes.get('b', '1.0.0')?.status, 'idle');
  });

  test('rollback: latest turning error inside the window returns latest to the previous version, for good', async () => {
    await deploy(life, 'a', '2.0.0');
    assert.equal(routes.resolve('a', 'latest')?.version, '2.0.0');
    const v2 = store.get('a', '2.0.0')!;
    life.onInstanceState(v2, { status: 'starting' });
    life.onInstanceState(v2, { status: 'error', detail: 'crash-looping\nlast lines' });
    assert.match(store.get('a', '2.0.0')!.rolledBack ?? '', /^latest rolled back to 1\.0\.0 at .*: 2\.0\.0 turned error \d+ s after its promotion \(crash-looping\)$/);
    life.onInstanceState(v2, { status: 'running' }); // a recovery does not flip it back
    assert.equal(routes.resolve('a', 'latest')?.version, '1.0.0');
    assert.equal(counted('racetrack_rollbacks_total', 'a'), 1);
    assert.ok(auditStore(db).list({ jobName: 'a' }).some((e) => e.action === 'job.rollback' && e.actor === 'platform'));
  });

  test('no rollback once the window has passed', async () => {
    life.close();
    life = lifecycle({ rollbackWindowMs: 0 });
    await life.restoreAll();
    await deploy(life, 'c', '1.0.0');
    await deploy(life, 'c', '2.0.0');
    await new Promise((r) => setTimeout(r, 5));
    life.onInstanceState(store.get('c', '2.0.0')!, { status: 'error', detail: 'late' });
    assert.equal(store.get('c', '2.0.0')!.rolledBack, null);
    assert.equal(store.get('c', '2.0.0')!.promoted, true);
  });

  test('retention: beyond the newest N, versions stop, except latest and pinned ones', async () => {
    life.close();
    life = lifecycle({ keepVersions: 1 });
    await life.restoreAll();
    await deploy(life, 'r', '1.0.0');
    store.configure('r', '1.0.0', { pinned: true });
    await deploy(life, 'r', '1.0.1');
    await deploy(life, 'r', '1.0.2');
    assert.deepEqual(['1.0.0', '1.0.1', '1.0.2'].map((v) => status('r', v)), ['running', 'stopped', 'running']);
    assert.equal(await running('r', '1.0.1'), false);
    assert.equal(routes.get('r', '1.0.1')?.status, 'stopped');
    assert.equal(counted('racetrack_retired_versions_total', 'r'), 1);
  });

  test('RACETRACK_IDLE_STOP_AFTER idles every version that has no setting of its own; `jobs idle off` exempts one', async () => {
    life.close();
    life = lifecycle({ idleAfterMs: 60_000 });
    await life.restoreAll();
    await deploy(life, 'd', '1.0.0');
    await deploy(life, 'd', '1.0.1');
    store.configure('d', '1.0.1', { idleAfterMs: 0 });
    assert.deepEqual(await life.stopIdle(Date.now() + 1000), [], 'not before the delay');
    const idled = await life.stopIdle(Date.now() + 120_000);
    assert.ok(idled.includes('d 1.0.0'));
    assert.ok(!idled.includes('d 1.0.1'));
    assert.equal(status('d', '1.0.1'), 'running');
  });

  test('a delete during a wake leaves nothing running', async () => {
    await deploy(life, 'w', '1.0.0');
    store.configure('w', '1.0.0', { idleAfterMs: 1000 });
    await life.stopIdle(Date.now() + 60_000);
    const waking = life.wake('w', '1.0.0');
    await life.withdraw(store.get('w', '1.0.0')!);
    await waking.catch(() => {});
    assert.equal(await running('w', '1.0.0'), false);
    assert.equal(store.get('w', '1.0.0'), undefined);
    assert.equal(routes.get('w', '1.0.0'), undefined);
  });

  test('withdraw: the route goes, then the instance and the record', async () => {
    const v = store.get('r', '1.0.2')!;
    await life.withdraw(v);
    assert.equal(routes.get('r', '1.0.2'), undefined);
    assert.equal(store.get('r', '1.0.2'), undefined);
    assert.equal(await running('r', '1.0.2'), false);
  });
});
