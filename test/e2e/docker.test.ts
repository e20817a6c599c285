// The docker target end to end: `git push -o infra=docker` → labelled, limited containers → 42 through pub;
// a killed replica comes back; a server restart re-adopts the running containers; move and delete.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import Database from 'better-sqlite3';
import { dockerAvailable } from '../../src/deploy/docker/index.js';
import { callJob, commitAll, eventually, makeJobRepo, pushSsh, startTestServer, type TestServer } from '../harness.js';
import { execIn, removeDeploymentContainers } from '../docker-exec.js';
import { shoutyJob, tinyWheel, TINY_WHEEL_NAME } from '../tiny-wheel.js';

const engine = await dockerAvailable();
const skip = engine ? false : 'skipped: no Docker engine';

interface JobInfo {
  status: string;
  target: string;
  deployment_id: string;
  upstreams: string[];
}

describe('docker target, end to end', () => {
  const docker = new Docker();
  let server: TestServer;
  let repo: string;
  /** deployments this suite created, so their containers are removed even when a test fails */
  const deployments = new Set<string>();

  before(async () => {
    if (!engine) return;
    server = await startTestServer();
    repo = await makeJobRepo('adder');
    const yaml = readFileSync(join(repo, 'job.yaml'), 'utf8');
    writeFileSync(join(repo, 'job.yaml'), `${yaml}\nreplicas: 2\nresources:\n  memory_max: 256Mi\n`);
    await commitAll(repo, 'two replicas, 256Mi');
  });

  after(async () => {
    if (!engine) return;
    await server.cleanup();
    await removeDeploymentContainers(docker, deployments);
  });

  const info = async (name: string, version: string): Promise<JobInfo> => {
    const r = await server.ssh(`jobs info ${name} ${version} --json`);
    assert.equal(r.code, 0, r.stderr);
    const job = JSON.parse(r.stdout) as JobInfo;
    deployments.add(job.deployment_id);
    return job;
  };
  const containersOf = async (deploymentId: string) => {
    const list = await docker.listContainers({ all: true, filters: { label: [`racetrack.deployment=${deploymentId}`] } });
    return Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
  };
  const add = (version = 'latest') => callJob(server, `/pub/job/adder/${version}/api/v1/perform`, { body: { numbers: [40, 2] } });

  test('git push -o infra=docker runs adder in 2 labelled containers with a 256Mi limit', { skip }, async () => {
    const r = await pushSsh(server, repo, 'adder', ['-o', 'infra=docker']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /remote: -----> Starting 2 replicas on docker/);
    const job = await info('adder', '0.0.2');
    assert.equal(job.target, 'docker');
    assert.equal(job.status, 'running');
    const containers = await containersOf(job.deployment_id);
    assert.equal(containers.length, 2);
    for (const c of containers) {
      assert.equal(c.State.Running, true);
      assert.equal(c.Config.Labels['racetrack.job'], 'adder');
      assert.equal(c.Config.Labels['racetrack.version'], '0.0.2');
      assert.equal(c.HostConfig.Memory, 268435456);
    }
    assert.deepEqual(containers.map((c) => c.Config.Labels['racetrack.upstream']).sort(), [...job.upstreams].sort());
  });

  test('adder answers 42 through pub', { skip }, async () => {
    for (const version of ['0.0.2', 'latest']) {
      const r = await add(version);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json, 42);
    }
  });

  test('a job reaches the gateway at its PUB_URL', { skip }, async () => {
    const [first] = await containersOf((await info('adder', '0.0.2')).deployment_id);
    assert.equal(await probePub(docker.getContainer(first!.Id)), 200);
  });

  test('a replica whose process is killed is restarted and the job keeps answering', { skip }, async () => {
    const [first] = await containersOf((await info('adder', '0.0.2')).deployment_id);
    const container = docker.getContainer(first!.Id);
    await execIn(container, ['sh', '-c', 'kill -9 -1']).catch(() => {});
    await eventually(async () => (await container.inspect()).RestartCount >= 1 && (await add()).json === 42);
    await eventually(async () => (await info('adder', '0.0.2')).status === 'running');
  });

  test('a server restart re-adopts the running containers without restarting them', { skip }, async () => {
    const before = await containersOf((await info('adder', '0.0.2')).deployment_id);
    server = await server.restart();
    const job = await info('adder', '0.0.2');
    assert.equal(job.status, 'running');
    const now = await containersOf(job.deployment_id);
    assert.deepEqual(now.map((c) => [c.Id, c.State.StartedAt]).sort(), before.map((c) => [c.Id, c.State.StartedAt]).sort());
    const r = await add();
    assert.equal(r.json, 42, r.text);
    // the gateway moved to a new port; the PUB_URL the containers were given still leads to it
    assert.equal(await probePub(docker.getContainer(now[0]!.Id)), 200);
  });

  test('jobs scale adds and removes containers; an idle version has none, and a call wakes it', { skip }, async () => {
    assert.equal((await server.ssh('jobs scale adder 0.0.2 --replicas 3')).code, 0);
    const scaled = await info('adder', '0.0.2');
    assert.equal(scaled.upstreams.length, 3);
    assert.equal((await containersOf(scaled.deployment_id)).length, 3);
    assert.equal((await server.ssh('jobs scale adder 0.0.2 --replicas 2')).code, 0);
    assert.equal((await containersOf(scaled.deployment_id)).length, 2);
    assert.equal((await server.ssh('jobs idle adder 0.0.2 1s')).code, 0);
    await eventually(async () => (await info('adder', '0.0.2')).status === 'idle', 30_000);
    await eventually(async () => (await containersOf(scaled.deployment_id)).length === 0, 30_000);
    assert.equal((await server.ssh('jobs idle adder 0.0.2 off')).code, 0);
    const woken = await add('0.0.2');
    assert.equal(woken.status, 200, woken.text);
    assert.equal(woken.json, 42);
    assert.equal((await containersOf(scaled.deployment_id)).length, 2);
  });

  test('jobs move to local and back to docker keeps answering throughout', { skip }, async () => {
    let calls = 0;
    let failures = 0;
    let moving = true;
    const caller = (async () => {
      while (moving) {
        const r = await add('0.0.2');
        calls++;
        if (r.json !== 42) failures++;
      }
    })();
    try {
      const oldDocker = (await info('adder', '0.0.2')).deployment_id;
      const toLocal = await server.ssh('jobs move adder 0.0.2 --infra local');
      assert.equal(toLocal.code, 0, toLocal.stderr + toLocal.stdout);
      assert.equal((await info('adder', '0.0.2')).target, 'local');
      assert.deepEqual(await containersOf(oldDocker), []);
      const toDocker = await server.ssh('jobs move adder 0.0.2 --infra docker');
      assert.equal(toDocker.code, 0, toDocker.stderr + toDocker.stdout);
      const job = await info('adder', '0.0.2');
      assert.equal(job.target, 'docker');
      assert.equal((await containersOf(job.deployment_id)).length, 2);
    } finally {
      moving = false;
      await caller;
    }
    assert.ok(calls > 0);
    assert.equal(failures, 0, `${failures} of ${calls} calls failed during the moves`);
  });

  test('jobs delete removes the containers', { skip }, async () => {
    const job = await info('adder', '0.0.2');
    const r = await server.ssh('jobs delete adder 0.0.2');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await containersOf(job.deployment_id), []);
    assert.equal((await add()).status, 404);
  });
  test('requirements install in a build stage: local wheels work, build secrets stay out of the image history', { skip }, async () => {
    assert.equal((await server.ssh('secrets set shouty-docker PIP_EXTRA_SECRET=s3cr3t-build-value --build')).code, 0);
    const shouty = await makeJobRepo(shoutyJob('shouty-docker', 'build_env:\n  PIP_DISABLE_PIP_VERSION_CHECK: "1"\n'));
    mkdirSync(join(shouty, 'wheels'));
    writeFileSync(join(shouty, 'wheels', TINY_WHEEL_NAME), tinyWheel());
    await commitAll(shouty, 'wheel');
    const r = await pushSsh(server, shouty, 'shouty-docker', ['-o', 'infra=docker']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await callJob(server, '/pub/job/shouty-docker/latest/api/v1/perform', { body: { text: 'hey' } })).json, 'HEY!');
    const [container] = await containersOf((await info('shouty-docker', '1.0.0')).deployment_id);
    const history = await docker.getImage(container!.Image).history();
    assert.ok(!JSON.stringify(history).includes('s3cr3t-build-value'), 'no build secret in the image history');
    assert.equal((await server.ssh('jobs delete shouty-docker --all')).code, 0);
  });

  test('a container that no version records is reported as orphaned by jobs list --all', { skip }, async () => {
    writeFileSync(join(repo, 'job.yaml'), readFileSync(join(repo, 'job.yaml'), 'utf8').replace(/^version: .*$/m, 'version: 0.0.3'));
    await commitAll(repo, '0.0.3');
    const push = await pushSsh(server, repo, 'adder', ['-o', 'infra=docker']);
    assert.equal(push.code, 0, push.stderr);
    const { deployment_id: id } = await info('adder', '0.0.3');
    await server.stop();
    const db = new Database(join(server.dataDir, 'racetrack.db'));
    db.prepare("DELETE FROM job_versions WHERE name = 'adder' AND version = '0.0.3'").run();
    db.close();
    server = await server.restart();
    const list = JSON.parse((await server.ssh('jobs list --all --json')).stdout) as { name: string; version: string; status: string; target: string; deployment_id: string }[];
    assert.deepEqual(list.find((j) => j.deployment_id === id), { name: 'adder', version: '0.0.3', status: 'orphaned', target: 'docker', deployment_id: id });
  });
});

/** from inside a job container: GET $PUB_URL/job/adder/latest/health, printing and returning the HTTP status */
async function probePub(container: Docker.Container): Promise<number> {
  const code = await execIn(container, ['python', '-c',
    "import os, sys, urllib.request; sys.exit(urllib.request.urlopen(os.environ['PUB_URL'] + '/job/adder/latest/health', timeout=10).status)"]);
  return code ?? -1;
}

