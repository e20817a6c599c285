// The docker target against the real engine: build and reuse, replicas, labels, limits, confinement, PUB_URL, restart,
// re-adoption (and re-creation of containers an older Racetrack started unconfined), per-job pruning, stop.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { BuildContext, ImageArtifact, JobType } from '../../jobtypes/index.js';
import { loadManifest } from '../../manifest/index.js';
import { Reporter } from '../../core/reporter.js';
import { waitReady } from '../../core/wait-ready.js';
import type { InstanceRef, InstanceSpec, InstanceState } from '../types.js';
import { freePort } from '../free-port.js';
import { DockerEngine, DockerTarget, dockerAvailable } from './index.js';
import { ImageBuilder, pruneImages } from '../../build/image-builder/index.js';
import { DEFAULT_PIDS_LIMIT } from './docker-target.js';
import { JOB_NETWORK } from './job-network.js';
import { eventually } from '../../../test/harness.js';
import { execIn } from '../../../test/docker-exec.js';
import { builtInJobTypes } from '../../../test/job-types.js';
import { runTargetContract } from '../target-contract.js';

const engine = await dockerAvailable();
const skip = engine ? false : 'skipped: no Docker engine';
const ADDER = fileURLToPath(new URL('../../../test/fixtures/jobs/adder', import.meta.url));
/** run inside a job container: GET $PUB_URL/job/probe */
const PROBE = "import os, urllib.request; urllib.request.urlopen(os.environ['PUB_URL'] + '/job/probe', timeout=10).read()";

describe('DockerTarget', () => {
  const docker = new Docker();
  let python3: JobType;
  let dataDir: string;
  let jobDir: string;
  let gateway: Server;
  const gatewayHits: string[] = [];
  let target: DockerTarget;
  let ctx: BuildContext;
  let output: string;
  let artifact: ImageArtifact;
  let images: ImageBuilder;
  let spec: InstanceSpec;
  let upstreams: string[];
  const gatewayUrl = () => `http://127.0.0.1:${(gateway.address() as { port: number }).port}/pub`;

  before(async () => {
    if (!engine) return;
    python3 = (await builtInJobTypes()).get('python3');
    dataDir = mkdtempSync(join(tmpdir(), 'rt-docker-data-'));
    jobDir = mkdtempSync(join(tmpdir(), 'rt-docker-job-'));
    cpSync(ADDER, jobDir, { recursive: true });
    // content no earlier run had, so the first build really builds
    writeFileSync(join(jobDir, 'run-id.txt'), randomBytes(8).toString('hex'));
    const yaml = `${readFileSync(join(jobDir, 'job.yaml'), 'utf8')}\nreplicas: 2\nresources:\n  memory_max: 256Mi\n  memory_min: 64Mi\n  cpu_max: 500m\n  cpu_min: 100m\n`;
    const { manifest } = loadManifest(yaml, { path: 'job.yaml', readFile: () => undefined, validateJobtypeExtra: (_, extra) => python3.validateExtra(extra) });
    output = '';
    ctx = { jobDir, manifest, buildEnv: {}, reporter: new Reporter((text) => (output += text)), setting: () => undefined, cacheDir: dataDir };
    gateway = createServer((req, res) => {
      gatewayHits.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const dockerEngine = new DockerEngine(dataDir);
    images = new ImageBuilder(dockerEngine, 3);
    target = new DockerTarget({ dataDir, engine: dockerEngine, pubUrl: gatewayUrl });
    spec = {
      name: 'adder', version: '0.0.2', deploymentId: `test-${randomBytes(4).toString('hex')}`, replicas: 2,
      env: { JOB_NAME: 'adder', PUB_URL: gatewayUrl() }, resources: manifest.resources,
    };
  });

  after(async () => {
    if (!engine) return;
    await target.stop(spec).catch(() => {});
    await target.shutdown();
    gateway.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(jobDir, { recursive: true, force: true });
  });

  test('build makes an image tagged by content and streams the engine output', { skip }, async () => {
    artifact = { ...(await images.build(python3, ctx)), jobDir };
    assert.match(String(artifact.image), /^racetrack-job\/adder-[0-9a-f]{16}:[0-9a-f]{16}$/);
    assert.equal(artifact.port, 7000);
    assert.match(output, /Step \d+\/\d+ : FROM/);
  });

  test('building the same content again reuses the image', { skip }, async () => {
    output = '';
    const again = await images.build(python3, ctx);
    assert.equal(again.image, artifact.image);
    assert.match(output, /reusing it/);
    assert.doesNotMatch(output, /Step \d/);
  });

  test('start runs 2 replicas on 127.0.0.1 that both answer 42', { skip }, async () => {
    upstreams = await target.start(spec, artifact);
    assert.equal(upstreams.length, 2);
    for (const up of upstreams) assert.match(up, /^127\.0\.0\.1:\d+$/);
    await waitReady(upstreams, { timeoutMs: 60_000 });
    for (const up of upstreams) assert.equal(await perform(up, [40, 2]), 42);
  });

  test('containers carry the labels, loopback ports and resource limits', { skip }, async () => {
    const containers = await containersOf(docker, spec);
    assert.equal(containers.length, 2);
    for (const c of containers) {
      assert.equal(c.Config.Labels['racetrack.job'], 'adder');
      assert.equal(c.Config.Labels['racetrack.version'], '0.0.2');
      assert.equal(c.Config.Labels['racetrack.deployment'], spec.deploymentId);
      assert.equal(c.HostConfig.Memory, 268435456);
      assert.equal(c.HostConfig.MemoryReservation, 67108864);
      assert.equal(c.HostConfig.NanoCpus, 500_000_000);
      assert.equal(c.HostConfig.CpuShares, 102);
      const bindings = Object.values(c.HostConfig.PortBindings as Record<string, { HostIp: string }[]>).flat();
      assert.deepEqual(bindings.map((b) => b.HostIp), ['127.0.0.1']);
    }
  });

  test('containers run as a non-root user without capabilities, privilege gain or unbounded processes, on the job network only', { skip }, async () => {
    for (const c of await containersOf(docker, spec)) {
      assert.equal(c.Config.User, '10000:10000');
      assert.deepEqual(c.HostConfig.CapDrop, ['ALL']);
      assert.deepEqual(c.HostConfig.SecurityOpt, ['no-new-privileges']);
      assert.equal(c.HostConfig.PidsLimit, DEFAULT_PIDS_LIMIT);
      assert.deepEqual(Object.keys(c.NetworkSettings.Networks), [JOB_NETWORK]);
      // what the job's own process is: uid 10000, empty effective and bounding capability sets, no_new_privs
      const check = 'test "$(id -u)" = 10000 && grep -q "^CapEff:[[:space:]]*0*$" /proc/self/status && grep -q "^CapBnd:[[:space:]]*0*$" /proc/self/status && grep -q "^NoNewPrivs:[[:space:]]*1$" /proc/self/status';
      assert.equal(await execIn(docker.getContainer(c.Id), ['sh', '-c', check]), 0);
    }
  });

  test('status is running and the logs come from the engine', { skip }, async () => {
    await eventually(async () => (await target.status(spec)).status === 'running');
    const lines: string[] = [];
    for await (const line of target.logs(spec, { tail: 20 })) lines.push(line);
    assert.ok(lines.some((l) => /racetrack_job_wrapper/.test(l)), lines.join('\n'));
  });

  test('PUB_URL inside a container reaches the gateway on the host', { skip }, async () => {
    const [first] = await containersOf(docker, spec);
    assert.equal(await execIn(docker.getContainer(first!.Id), ['python', '-c', PROBE]), 0);
    assert.ok(gatewayHits.includes('/pub/job/probe'), gatewayHits.join(', '));
  });

  test('a replica whose process is killed is restarted by the engine and serves again', { skip }, async () => {
    const [first] = await containersOf(docker, spec);
    const container = docker.getContainer(first!.Id);
    // kills every process but the init and this shell: the job dies, the init exits, the engine restarts the container
    await execIn(container, ['sh', '-c', 'kill -9 -1']).catch(() => {});
    await eventually(async () => (await container.inspect()).RestartCount >= 1);
    const upstream = first!.Config.Labels['racetrack.upstream']!;
    await waitReady([upstream], { timeoutMs: 60_000 });
    assert.equal(await perform(upstream, [40, 2]), 42);
    await eventually(async () => (await target.status(spec)).status === 'running');
  });

  test('after a server restart a new target on the same data dir re-adopts the instance, and PUB_URL still works', { skip }, async () => {
    await target.shutdown();
    const dockerEngine = new DockerEngine(dataDir);
    images = new ImageBuilder(dockerEngine, 3);
    target = new DockerTarget({ dataDir, engine: dockerEngine, pubUrl: gatewayUrl });
    assert.deepEqual(await target.list(), [{ name: 'adder', version: '0.0.2', deploymentId: spec.deploymentId }]);
    const [first] = await containersOf(docker, spec);
    assert.equal(await execIn(docker.getContainer(first!.Id), ['python', '-c', PROBE]), 0);
    assert.equal(gatewayHits.filter((h) => h === '/pub/job/probe').length, 2);
    const otherServer = new DockerTarget({ dataDir: join(dataDir, 'other'), engine: new DockerEngine(join(dataDir, 'other')), pubUrl: gatewayUrl });
    assert.deepEqual(await otherServer.list(), []);
    await otherServer.shutdown();
  });

  test('a container an older Racetrack started (root, every capability, default bridge) is re-created confined on re-adoption, keeping its upstream', { skip }, async () => {
    const legacy: InstanceRef = { name: 'adder', version: '0.0.1', deploymentId: `${spec.deploymentId}-legacy` };
    const [running] = await containersOf(docker, spec);
    const upstream = `127.0.0.1:${await freePort()}`;
    // what the previous DockerTarget created
    const old = await docker.createContainer({
      name: `rt-adder-${legacy.version}-${legacy.deploymentId}-0`,
      Image: artifact.image as string,
      User: '0',
      Env: running!.Config.Env.filter((e) => /^(JOB_NAME|PUB_URL)=/.test(e)),
      Labels: { 'racetrack.job': 'adder', 'racetrack.version': legacy.version, 'racetrack.deployment': legacy.deploymentId, 'racetrack.owner': running!.Config.Labels['racetrack.owner']!, 'racetrack.upstream': upstream },
      ExposedPorts: { '7000/tcp': {} },
      HostConfig: {
        PortBindings: { '7000/tcp': [{ HostIp: '127.0.0.1', HostPort: upstream.split(':')[1] }] },
        RestartPolicy: { Name: 'unless-stopped' },
        Init: true,
        ExtraHosts: ['host.docker.internal:host-gateway'],
        Memory: 268435456,
      },
    });
    try {
      await old.start();
      await target.shutdown();
      const dockerEngine = new DockerEngine(dataDir);
    images = new ImageBuilder(dockerEngine, 3);
    target = new DockerTarget({ dataDir, engine: dockerEngine, pubUrl: gatewayUrl });
      assert.ok((await target.list()).some((r) => r.deploymentId === legacy.deploymentId));
      const [now] = await containersOf(docker, legacy);
      assert.notEqual(now!.Id, old.id);
      assert.equal(now!.Config.Labels['racetrack.upstream'], upstream);
      assert.equal(now!.Config.User, '10000:10000');
      assert.deepEqual(now!.HostConfig.CapDrop, ['ALL']);
      assert.equal(now!.HostConfig.Memory, 268435456);
      assert.deepEqual(Object.keys(now!.NetworkSettings.Networks), [JOB_NETWORK]);
      await waitReady([upstream], { timeoutMs: 60_000 });
      assert.equal(await perform(upstream, [40, 2]), 42);
      assert.equal(await execIn(docker.getContainer(now!.Id), ['python', '-c', PROBE]), 0);
      // re-created once: the next re-adoption keeps it
      assert.ok((await target.list()).some((r) => r.deploymentId === legacy.deploymentId));
      assert.equal((await containersOf(docker, legacy))[0]!.Id, now!.Id);
    } finally {
      await target.stop(legacy);
      await old.remove({ force: true }).catch(() => {});
    }
  });

  test('jobs named Adder, adder, ad_der and ad-der get four images, and pruning one job removes none of the others\' images', { skip }, async () => {
    const pruneDir = mkdtempSync(join(tmpdir(), 'rt-docker-job-'));
    cpSync(jobDir, pruneDir, { recursive: true });
    writeFileSync(join(pruneDir, 'run-id.txt'), randomBytes(8).toString('hex')); // images no container uses
    const built = new Map<string, string>();
    try {
      for (const name of ['Adder', 'adder', 'ad_der', 'ad-der']) {
        const image = await images.build(python3, { ...ctx, jobDir: pruneDir, manifest: { ...ctx.manifest, name } });
        built.set(name, image.image);
      }
      assert.equal(new Set([...built.values()].map((i) => i.split(':')[0])).size, 4, [...built.values()].join(' '));
      const [running] = await containersOf(docker, spec);
      await pruneImages(docker, 'adder', running!.Config.Labels['racetrack.owner']!, 0);
      assert.equal(await imageExists(docker, built.get('adder')!), false);
      for (const name of ['Adder', 'ad_der', 'ad-der']) assert.equal(await imageExists(docker, built.get(name)!), true, name);
    } finally {
      for (const image of built.values()) await docker.getImage(image).remove({ force: true }).catch(() => {});
      rmSync(pruneDir, { recursive: true, force: true });
    }
  });

  test('a job that cannot start is reported as error with its last log lines', { skip }, async () => {
    const brokenDir = mkdtempSync(join(tmpdir(), 'rt-docker-job-'));
    cpSync(jobDir, brokenDir, { recursive: true });
    writeFileSync(join(brokenDir, 'adder.py'), 'raise RuntimeError("broken on purpose")\n');
    const broken = { ...spec, deploymentId: `${spec.deploymentId}-broken`, replicas: 1 };
    try {
      const built = await images.build(python3, { ...ctx, jobDir: brokenDir });
      await target.start(broken, { ...built, jobDir: brokenDir });
      let state: InstanceState = { status: 'starting' };
      await eventually(async () => (state = await target.status(broken)).status === 'error');
      assert.match(state.detail ?? '', /crash-looping \(exited with code 1, \d+ restarts\)/);
      assert.match(state.detail ?? '', /broken on purpose/);
    } finally {
      await target.stop(broken);
      rmSync(brokenDir, { recursive: true, force: true });
    }
  });

  test('a missing base image that cannot be pulled fails with one line saying how to get it', { skip }, async () => {
    const setting = (env: string) => (env === 'RACETRACK_PYTHON3_BASE_IMAGE' ? 'racetrack-test/no-such-base:0' : undefined);
    await assert.rejects(images.build(python3, { ...ctx, setting }), (e: Error) => {
      assert.match(e.message, /racetrack-test\/no-such-base:0.*scripts\/build-base-images\.sh.*RACETRACK_PYTHON3_BASE_IMAGE/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  });

  test('stop removes the containers', { skip }, async () => {
    await target.stop(spec);
    assert.deepEqual(await containersOf(docker, spec), []);
    assert.equal((await target.status(spec)).status, 'lost');
  });
});

async function containersOf(docker: Docker, ref: InstanceRef): Promise<Docker.ContainerInspectInfo[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`racetrack.deployment=${ref.deploymentId}`] } });
  return Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
}

async function imageExists(docker: Docker, image: string): Promise<boolean> {
  return docker.getImage(image).inspect().then(() => true, () => false);
}

async function perform(upstream: string, numbers: number[]): Promise<unknown> {
  const res = await fetch(`http://${upstream}/api/v1/perform`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ numbers }) });
  return res.json();
}

runTargetContract('docker', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rt-docker-contract-'));
  const jobDir = join(dataDir, 'job');
  cpSync(ADDER, jobDir, { recursive: true });
  const python3 = (await builtInJobTypes()).get('python3');
  const { manifest } = loadManifest(readFileSync(join(jobDir, 'job.yaml'), 'utf8'), { path: 'job.yaml', readFile: () => undefined });
  const dockerEngine = new DockerEngine(dataDir);
  const ctx = { jobDir, manifest, buildEnv: {}, reporter: new Reporter(), setting: () => undefined, cacheDir: dataDir };
  const built = await new ImageBuilder(dockerEngine, 3).build(python3, ctx);
  const base = { jobType: 'python3', jobTypeVersion: python3.version, jobDir };
  return {
    target: new DockerTarget({ dataDir, engine: dockerEngine, pubUrl: () => 'http://127.0.0.1:9/pub' }),
    artifact: { ...built, jobDir },
    foreign: { ...base, kind: 'process', command: { cmd: 'true', args: [], cwd: '/', env: {}, readOnlyPaths: [] } },
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}, { skip, readyTimeoutMs: 60_000 });
