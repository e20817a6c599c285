// The kubernetes target end to end against the STAND-IN cluster (test/k8s: a fake API server that validates every
// object against the official schemas, a stand-in kubelet running pods on Docker, Debian's docker-registry), not a real
// cluster: push with `infrastructure_target: kubernetes` → four labelled objects and an image by digest → 42 through
// /pub; a restart adopts; `jobs move` to docker and back; idle scales to 0 and a call wakes it; faults (crash loop, 403, quota, image pull, API down, registry refusing or wanting a login) fail the push in one line, leave no
// half-created objects, and the serving version keeps serving; delete removes every object.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { callJob, commitAll, eventually, makeJobRepo, pushSsh, startTestServer, type TestServer } from '../harness.js';
import { standInSkip, startStandInCluster, type StandInCluster } from '../k8s/stand-in-cluster.js';
import { startRegistry } from '../k8s/image-registry.js';
import { RESOURCES } from '../k8s/fake-api/resources.js';
import type { KubeObject } from '../k8s/fake-api/object-store.js';

const skip = await standInSkip();
const KINDS = ['Deployment', 'Service', 'Secret', 'NetworkPolicy'] as const;
const resource = (kind: string) => RESOURCES.find((r) => r.kind === kind)!;

describe('kubernetes target on the stand-in cluster, end to end', { skip }, () => {
  let cluster: StandInCluster;
  let server: TestServer;
  let repo: string;
  let adderPy: string;

  before(async () => {
    cluster = await startStandInCluster();
    server = await startTestServer({ env: cluster.env });
    repo = await makeJobRepo('adder');
    adderPy = readFileSync(join(repo, 'adder.py'), 'utf8');
    const yaml = readFileSync(join(repo, 'job.yaml'), 'utf8');
    writeFileSync(join(repo, 'job.yaml'), `${yaml}\ninfrastructure_target: kubernetes\nreplicas: 2\nresources:\n  memory_max: 256Mi\n  cpu_min: 100m\n`);
    await commitAll(repo, 'on kubernetes');
  });

  after(async () => {
    await server?.cleanup();
    await cluster?.close();
  });

  /** the objects of one job version, by kind */
  const objectsOf = (version: string) => Object.fromEntries(KINDS.map((kind) => [kind,
    cluster.api.store.list(resource(kind)).filter((o) => o.metadata.labels?.['racetrack.io/job-name'] === 'adder' && o.metadata.labels['racetrack.io/job-version'] === version)])) as Record<typeof KINDS[number], KubeObject[]>;
  const add = (version: string) => callJob(server, `/pub/job/adder/${version}/api/v1/perform`, { body: { numbers: [40, 2] } });
  const pushVersion = async (version: string, source = adderPy) => {
    writeFileSync(join(repo, 'adder.py'), source);
    writeFileSync(join(repo, 'job.yaml'), readFileSync(join(repo, 'job.yaml'), 'utf8').replace(/^version: .*$/m, `version: ${version}`));
    await commitAll(repo, `version ${version}`);
    return pushSsh(server, repo, 'adder');
  };
  /** the push's rejection: the first `remote: ` error line */
  const firstErrorLine = (stderr: string) => stderr.split('\n').find((l) => /error|failed|did not/i.test(l)) ?? stderr;

  test('a push makes a Deployment, Service, Secret and NetworkPolicy, labelled and confined; /pub answers', async () => {
    const r = await pushSsh(server, repo, 'adder');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Starting 2 replicas on kubernetes/);
    assert.deepEqual((await add('0.0.2')).json, 42);
    const objects = objectsOf('0.0.2');
    for (const kind of KINDS) {
      assert.equal(objects[kind].length, 1, `one ${kind}`);
      assert.equal(objects[kind][0]!.metadata.labels!['app.kubernetes.io/managed-by'], 'racetrack');
    }
    const deployment = objects.Deployment[0]!;
    const pod = (deployment.spec!.template as KubeObject).spec as Record<string, any>;
    const container = pod.containers[0];
    assert.equal(deployment.spec!.replicas, 2);
    assert.match(container.image, new RegExp(`^${cluster.registry.address}/racetrack-job/.+@sha256:[0-9a-f]{64}$`));
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.equal(container.readinessProbe.httpGet.path, '/ready');
    assert.equal(container.livenessProbe.httpGet.path, '/live');
    assert.ok(container.startupProbe);
    assert.deepEqual(container.resources, { requests: { cpu: '100m' }, limits: { memory: '256Mi' } });
    // no value of the environment (the job's token among them) is in the Deployment: every one comes from the Secret
    assert.ok(container.env.length > 0);
    for (const e of container.env) assert.equal(e.value, undefined, e.name);
    assert.equal(objects.Service[0]!.spec!.type, 'ClusterIP');
    const pods = cluster.api.store.list(resource('Pod')).filter((p) => p.metadata.labels?.['racetrack.io/job-version'] === '0.0.2');
    assert.equal(pods.length, 2);
    // what the stand-in kubelet made of the pod spec: a non-root user, no capabilities, no privilege gain
    for (const p of pods) {
      const c = await new Docker().getContainer(`rt-k8s-stand-in-${p.metadata.name}`).inspect();
      assert.match(c.Config.User, /^[1-9]\d*:[1-9]\d*$/);
      assert.deepEqual(c.HostConfig.CapDrop, ['ALL']);
      assert.deepEqual(c.HostConfig.SecurityOpt, ['no-new-privileges']);
    }
  });

  test('a server restart adopts the running version by its labels: same upstreams, still 42', async () => {
    const before = cluster.api.requests.filter((r) => r.startsWith('POST')).length;
    server = await server.restart();
    assert.deepEqual((await add('0.0.2')).json, 42);
    assert.equal(cluster.api.requests.filter((r) => r.startsWith('POST')).length, before, 'nothing created again');
  });

  test('jobs move to docker and back to kubernetes without a failed call', async () => {
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
      const toDocker = await server.ssh('jobs move adder 0.0.2 --infra docker');
      assert.equal(toDocker.code, 0, toDocker.stderr + toDocker.stdout);
      for (const kind of KINDS) assert.deepEqual(objectsOf('0.0.2')[kind], [], `${kind} left on kubernetes`);
      const back = await server.ssh('jobs move adder 0.0.2 --infra kubernetes');
      assert.equal(back.code, 0, back.stderr + back.stdout);
      for (const kind of KINDS) assert.equal(objectsOf('0.0.2')[kind].length, 1, kind);
    } finally {
      moving = false;
      await caller;
    }
    assert.ok(calls > 0);
    assert.equal(failures, 0, `${failures} of ${calls} calls failed during the moves`);
  });

  test('an idle version scales to 0 and keeps its objects; a call wakes it by scaling up, with the token rotated meanwhile', async () => {
    const deployment = () => objectsOf('0.0.2').Deployment[0]!;
    const pods = () => cluster.api.store.list(resource('Pod')).filter((p) => p.metadata.labels?.['racetrack.io/job-version'] === '0.0.2');
    const token = () => Buffer.from((objectsOf('0.0.2').Secret[0]!.data as Record<string, string>).AUTH_TOKEN!, 'base64').toString();
    const tokenBefore = token();
    assert.equal((await server.ssh('jobs idle adder 0.0.2 1s')).code, 0);
    await eventually(async () => deployment().spec!.replicas === 0 && pods().length === 0, 30_000);
    assert.match((await server.ssh('jobs info adder 0.0.2')).stdout, /\bidle\b/);
    for (const kind of KINDS) assert.equal(objectsOf('0.0.2')[kind].length, 1, `the ${kind} stays while idle`);
    assert.equal((await server.ssh('jobs idle adder 0.0.2 off')).code, 0);
    assert.equal((await server.ssh('jobs token-rotate adder')).code, 0);
    const creates = cluster.api.requests.filter((r) => r.startsWith('POST')).length;
    const woken = await add('0.0.2');
    assert.equal(woken.status, 200, woken.text);
    assert.equal(woken.json, 42);
    assert.equal(deployment().spec!.replicas, 2);
    assert.equal(pods().length, 2);
    assert.equal(cluster.api.requests.filter((r) => r.startsWith('POST')).length, creates, 'woken by scaling up: nothing created');
    assert.notEqual(token(), tokenBefore, 'the woken pods read the rotated token');
  });

  test('an idle version whose Deployment was deleted by hand wakes all the same: its other objects are replaced', async () => {
    assert.equal((await server.ssh('jobs idle adder 0.0.2 1s')).code, 0);
    await eventually(async () => objectsOf('0.0.2').Deployment[0]?.spec!.replicas === 0, 30_000);
    cluster.api.store.delete(resource('Deployment'), objectsOf('0.0.2').Deployment[0]!.metadata.name);
    assert.equal((await server.ssh('jobs idle adder 0.0.2 off')).code, 0);
    const woken = await add('0.0.2');
    assert.equal(woken.status, 200, woken.text);
    assert.equal(woken.json, 42);
    for (const kind of KINDS) assert.equal(objectsOf('0.0.2')[kind].length, 1, kind);
  });

  test('a crash-looping version fails the push with the cause in one line and its log; nothing of it is left', async () => {
    const r = await pushVersion('0.0.3', `${adderPy}\nraise SystemExit('adder refuses to start')\n`);
    assert.notEqual(r.code, 0);
    assert.match(firstErrorLine(r.stderr), /never became ready: the job does not start: pod \S+: CrashLoopBackOff/);
    assert.match(r.stderr, /adder refuses to start/);
    for (const kind of KINDS) assert.deepEqual(objectsOf('0.0.3')[kind], [], kind);
    assert.deepEqual((await add('0.0.2')).json, 42);
  });

  test('RBAC refusing NetworkPolicies fails the push naming it; the Secret and Service made before are removed', async () => {
    cluster.api.faults.forbidden.add('networkpolicies');
    try {
      const r = await pushVersion('0.0.3');
      assert.notEqual(r.code, 0);
      assert.match(firstErrorLine(r.stderr), /creating the NetworkPolicy \S+ in namespace racetrack failed: 403 networkpolicies is forbidden/);
    } finally {
      cluster.api.faults.forbidden.clear();
    }
    for (const kind of KINDS) assert.deepEqual(objectsOf('0.0.3')[kind], [], kind);
    assert.deepEqual((await add('0.0.2')).json, 42);
  });

  test('the API server down fails the push in one line; the serving version keeps serving', async () => {
    await cluster.api.down();
    try {
      const r = await pushVersion('0.0.3');
      assert.notEqual(r.code, 0);
      assert.match(firstErrorLine(r.stderr), /creating the Secret \S+ in namespace racetrack failed: .*ECONNREFUSED/);
      assert.deepEqual((await add('0.0.2')).json, 42);
    } finally {
      await cluster.api.up();
    }
    for (const kind of KINDS) assert.deepEqual(objectsOf('0.0.3')[kind], [], kind);
  });

  test('a watch dropped mid-rollout: the push still succeeds', async () => {
    const off = cluster.api.store.subscribe((c) => {
      if (c.resource.kind === 'Deployment' && c.type === 'ADDED') {
        off();
        setImmediate(() => cluster.api.dropWatches());
      }
    });
    const r = await pushVersion('0.0.4');
    off();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await add('0.0.4')).json, 42);
  });

  test('a registry refusing the push fails it in one line; nothing is created', async () => {
    const { storage } = cluster.registry;
    const port = Number(cluster.registry.address.split(':')[1]);
    await cluster.registry.close({ keepStorage: true });
    const readOnly = await startRegistry({ port, readOnly: true, storage });
    try {
      const r = await pushVersion('0.0.3');
      assert.notEqual(r.code, 0);
      assert.match(firstErrorLine(r.stderr), /pushing image \S+ to 127\.0\.0\.1:\d+ failed: .*\b405\b/);
    } finally {
      await readOnly.close({ keepStorage: true });
      cluster.registry = await startRegistry({ port, storage });
    }
    for (const kind of KINDS) assert.deepEqual(objectsOf('0.0.3')[kind], [], kind);
    assert.deepEqual((await add('0.0.2')).json, 42);
  });

  test('a registry wanting a login: refused without it in one line naming the registry; with it the push serves, the password in no log', async () => {
    const login = { username: 'pusher', password: 'pw-never-logged-5e0b' };
    const { storage } = cluster.registry;
    const port = Number(cluster.registry.address.split(':')[1]);
    await cluster.registry.close({ keepStorage: true });
    const guarded = await startRegistry({ port, login, storage });
    try {
      const refused = await pushVersion('0.0.3');
      assert.notEqual(refused.code, 0);
      assert.match(firstErrorLine(refused.stderr), /pushing image \S+ to 127\.0\.0\.1:\d+ failed: the registry wants authentication .*RACETRACK_IMAGE_REGISTRY_USER/);
      for (const kind of KINDS) assert.deepEqual(objectsOf('0.0.3')[kind], [], kind);
      await server.stop();
      server = await startTestServer({ dataDir: server.dataDir, token: server.token, keyPath: server.keyPath,
        env: { ...cluster.env, RACETRACK_IMAGE_REGISTRY_USER: login.username, RACETRACK_IMAGE_REGISTRY_PASSWORD: login.password } });
      const accepted = await pushVersion('0.0.6');
      assert.equal(accepted.code, 0, accepted.stderr);
      assert.deepEqual((await add('0.0.6')).json, 42);
      assert.ok(!server.output().includes(login.password), 'the registry password is in the server log');
      assert.ok(!accepted.stderr.includes(login.password), 'the registry password is in the push output');
    } finally {
      await guarded.close({ keepStorage: true });
      cluster.registry = await startRegistry({ port, storage });
    }
    assert.deepEqual((await add('0.0.2')).json, 42);
  });

  test('the node failing to pull the image fails the push naming the pull in one line; nothing of it is left', async () => {
    cluster.kubelet.pullRefused = 'failed to resolve reference: unexpected status from HEAD request: 401 Unauthorized';
    try {
      const r = await pushVersion('0.0.3');
      assert.notEqual(r.code, 0);
      assert.match(firstErrorLine(r.stderr), /never became ready: .*pod \S+: (ErrImagePull|ImagePullBackOff): .*401 Unauthorized/);
    } finally {
      cluster.kubelet.pullRefused = undefined;
    }
    for (const kind of KINDS) assert.deepEqual(objectsOf('0.0.3')[kind], [], kind);
    assert.deepEqual((await add('0.0.2')).json, 42);
  });

  test('a quota refusing the Deployment fails the push naming it in one line; the objects made before are removed', async () => {
    cluster.api.faults.refuseCreate.set('Deployment', 'deployments.apps is forbidden: exceeded quota: racetrack-quota, requested: count/deployments.apps=1, used: count/deployments.apps=2, limited: count/deployments.apps=2');
    try {
      const r = await pushVersion('0.0.3');
      assert.notEqual(r.code, 0);
      assert.match(firstErrorLine(r.stderr), /creating the Deployment \S+ in namespace racetrack failed: 403 .*exceeded quota: racetrack-quota/);
    } finally {
      cluster.api.faults.refuseCreate.clear();
    }
    for (const kind of KINDS) assert.deepEqual(objectsOf('0.0.3')[kind], [], kind);
    assert.deepEqual((await add('0.0.2')).json, 42);
  });

  test('objects left half-made when the API server died mid-create are removed at the next start', async () => {
    // the API goes down right after the NetworkPolicy is made: the Deployment is never made, nor is the cleanup done
    const off = cluster.api.store.subscribe((c) => {
      if (c.resource.kind === 'NetworkPolicy' && c.type === 'ADDED' && c.object.metadata.labels?.['racetrack.io/job-version'] === '0.0.5') {
        off();
        setImmediate(() => void cluster.api.down());
      }
    });
    try {
      const r = await pushVersion('0.0.5');
      assert.notEqual(r.code, 0);
    } finally {
      off();
      await cluster.api.up();
    }
    assert.equal(objectsOf('0.0.5').Secret.length, 1, 'the stand-in left no half-made version to collect');
    assert.deepEqual(objectsOf('0.0.5').Deployment, []);
    server = await server.restart();
    assert.deepEqual((await add('0.0.2')).json, 42);
    // adoption lists the cluster before the server restores anything, and collects on that first list
    for (let i = 0; i < 100 && KINDS.some((kind) => objectsOf('0.0.5')[kind].length > 0); i++) await new Promise((r) => setTimeout(r, 100));
    for (const kind of KINDS) assert.deepEqual(objectsOf('0.0.5')[kind], [], kind);
  });

  test('deleting the job removes every object of every version', async () => {
    const r = await server.ssh('jobs delete adder --all');
    assert.equal(r.code, 0, r.stderr);
    for (const version of ['0.0.2', '0.0.3', '0.0.4', '0.0.5', '0.0.6']) for (const kind of KINDS) assert.deepEqual(objectsOf(version)[kind], [], `${kind} ${version}`);
    assert.deepEqual(cluster.api.store.list(resource('Pod')), []);
  });
});
