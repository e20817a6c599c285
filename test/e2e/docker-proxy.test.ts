// The image-only job types end to end, pushed with real git to a real server on the docker target: docker-proxy in
// forward and rewrite mode (the gateway maps paths, rewrites redirects and answers the probes and metrics itself; one
// container per job, running as no root) and dockerfile (the job's image keeps the wrapper contract itself); on local
// both are refused, naming the targets they run on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { dockerAvailable } from '../../src/deploy/docker/index.js';
import { callJob, commitAll, makeJobRepo, pushSsh, startTestServer, type TestServer } from '../harness.js';
import { removeDeploymentContainers } from '../docker-exec.js';

const engine = await dockerAvailable();
const skip = engine ? false : 'skipped: no Docker engine';

interface Echo {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/** a header the sample server received, by its lower-case name */
function headerOf(echo: Echo, name: string): string | undefined {
  return Object.entries(echo.headers).find(([k]) => k.toLowerCase() === name)?.[1];
}

describe('docker-proxy and dockerfile job types, end to end', () => {
  const docker = new Docker();
  let server: TestServer;
  /** deployments this suite created, so their containers are removed even when a test fails */
  const deployments = new Set<string>();

  before(async () => {
    server = await startTestServer();
  });

  after(async () => {
    await server.cleanup();
    if (!engine) return;
    await removeDeploymentContainers(docker, deployments);
  });

  const containersOf = async (name: string, version: string) => {
    const r = await server.ssh(`jobs info ${name} ${version} --json`);
    assert.equal(r.code, 0, r.stderr);
    const { deployment_id: id } = JSON.parse(r.stdout) as { deployment_id: string };
    deployments.add(id);
    const list = await docker.listContainers({ all: true, filters: { label: [`racetrack.deployment=${id}`] } });
    return Promise.all(list.map((c) => docker.getContainer(c.Id).inspect()));
  };

  /** the docker-proxy sample as another job: its name, its jobtype_extra, and its server's port */
  async function proxySample(name: string, extra: string, port?: number): Promise<string> {
    const repo = await makeJobRepo('docker-proxy-sample');
    let yaml = readFileSync(join(repo, 'job.yaml'), 'utf8').replace(/^name: .*$/m, `name: ${name}`).replace(/^jobtype_extra:\n(  .*\n)*/m, `jobtype_extra:\n${extra}`);
    if (port) yaml += `runtime_env:\n  LISTEN_PORT: "${port}"\n`;
    writeFileSync(join(repo, 'job.yaml'), yaml);
    await commitAll(repo, name);
    return repo;
  }

  describe('docker-proxy, forward mode', () => {
    const pub = (path: string, init?: Parameters<typeof callJob>[2]) => callJob(server, `/pub/job/docker-proxy-sample/latest${path}`, init);

    before(async () => {
      if (!engine) return;
      const r = await pushSsh(server, await makeJobRepo('docker-proxy-sample'), 'docker-proxy-sample', ['-o', 'infra=docker']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /remote: -----> Waiting for the job's server to answer HTTP/);
    });

    test('one container per job, running as no root user', { skip }, async () => {
      const containers = await containersOf('docker-proxy-sample', '0.0.1');
      assert.equal(containers.length, 1);
      assert.equal(containers[0]!.Config.User, '65534:65534');
      assert.deepEqual(Object.keys(containers[0]!.HostConfig.PortBindings ?? {}), ['7001/tcp']);
    });

    test('/api/v1/perform reaches the server as /perform: 42', { skip }, async () => {
      const r = await pub('/api/v1/perform', { body: { numbers: [40, 2] } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json, 42);
    });

    test('a path with a query string reaches the server with its query, and never the caller\'s token', { skip }, async () => {
      const r = await pub('/api/v1/echo/x?a=1&b=two%20words', { headers: { cookie: `theme=dark; X-Racetrack-Auth=${server.token}` } });
      assert.equal(r.status, 200, r.text);
      const echo = r.json as Echo;
      assert.equal(echo.path, '/echo/x?a=1&b=two%20words');
      assert.ok(!JSON.stringify(echo).includes(server.token), 'the token reached the job');
      assert.equal(headerOf(echo, 'cookie'), 'theme=dark');
      assert.equal(headerOf(echo, 'x-forwarded-prefix'), '/pub/job/docker-proxy-sample/0.0.1/api/v1');
    });

    test('a redirect to a root path comes back under the job\'s /api/v1', { skip }, async () => {
      const res = await fetch(`${server.httpUrl}/pub/job/docker-proxy-sample/0.0.1/api/v1/old`, { headers: { 'X-Racetrack-Auth': server.token }, redirect: 'manual' });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), '/pub/job/docker-proxy-sample/0.0.1/api/v1/new?from=old');
    });

    test('paths outside /api/v1 are not the server\'s: 404 from the platform', { skip }, async () => {
      const r = await pub('/echo');
      assert.equal(r.status, 404);
      assert.match((r.json as { error: string }).error, /passes only \/pub\/job\/docker-proxy-sample\/0\.0\.1\/api\/v1\/… to its server/);
    });

    test('/live, /ready, /health are the platform\'s, open without a token for GET and HEAD only', { skip }, async () => {
      assert.deepEqual((await pub('/live', { token: null })).json, { live: true });
      assert.deepEqual((await pub('/ready', { token: null })).json, { ready: true });
      const health = await pub('/health', { token: null });
      assert.equal(health.status, 200);
      const body = health.json as Record<string, unknown>;
      assert.deepEqual([body.job_name, body.job_version, body.status, body.live, body.ready], ['docker-proxy-sample', '0.0.1', 'pass', true, true]);
      assert.equal((await pub('/health', { method: 'HEAD', token: null })).status, 200);
      for (const method of ['POST', 'PUT', 'DELETE']) assert.equal((await pub('/health', { method, token: null })).status, 401, method);
      assert.equal((await pub('/health', { method: 'POST' })).status, 405);
    });

    test('/metrics is the gateway\'s own, for this version, and needs a token', { skip }, async () => {
      assert.equal((await pub('/metrics', { token: null })).status, 401);
      const r = await pub('/metrics');
      assert.equal(r.status, 200);
      assert.match(r.text, /^racetrack_pub_requests_total\{job="docker-proxy-sample",version="0\.0\.1",status="200"\} \d+$/m);
      assert.match(r.text, /^racetrack_pub_request_duration_seconds_count\{job="docker-proxy-sample",version="0\.0\.1"\} \d+$/m);
    });

    test('a server restart re-adopts the container and keeps it ready', { skip }, async () => {
      const [before] = await containersOf('docker-proxy-sample', '0.0.1');
      server = await server.restart();
      const info = JSON.parse((await server.ssh('jobs info docker-proxy-sample 0.0.1 --json')).stdout) as { status: string };
      assert.equal(info.status, 'running');
      const [now] = await containersOf('docker-proxy-sample', '0.0.1');
      assert.equal(now!.Id, before!.Id);
      assert.equal((await pub('/api/v1/perform', { body: { numbers: [1, 2] } })).json, 3);
    });
  });

  describe('docker-proxy, rewrite mode', () => {
    const NAME = 'docker-proxy-rewrite';
    const pub = (path: string, init?: Parameters<typeof callJob>[2]) => callJob(server, `/pub/job/${NAME}/0.0.1${path}`, init);

    before(async () => {
      if (!engine) return;
      // a Dockerfile in a subfolder, and a server on port 80: no root needed for it
      const repo = await proxySample(NAME, '  proxy_mode: rewrite\n  user_module_port: 80\n  dockerfile_path: build/Dockerfile\n', 80);
      mkdirSync(join(repo, 'build'));
      renameSync(join(repo, 'Dockerfile'), join(repo, 'build', 'Dockerfile'));
      await commitAll(repo, 'Dockerfile in build/');
      const r = await pushSsh(server, repo, NAME, ['-o', 'infra=docker']);
      assert.equal(r.code, 0, r.stderr);
    });

    test('every path below the base URL reaches the server with the prefix trimmed, query string and all', { skip }, async () => {
      const r = await pub('/echo/deep?x=1&y=%2F&z');
      assert.equal(r.status, 200, r.text);
      assert.equal((r.json as Echo).path, '/echo/deep?x=1&y=%2F&z');
      assert.equal((await pub('/perform', { body: { numbers: [40, 2] } })).json, 42);
      assert.equal(((await pub('')).json as Echo).path, '/');
    });

    test('a redirect from the server comes back with its Location under the base URL', { skip }, async () => {
      const res = await fetch(`${server.httpUrl}/pub/job/${NAME}/latest/old`, { headers: { 'X-Racetrack-Auth': server.token }, redirect: 'manual' });
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), `/pub/job/${NAME}/0.0.1/new?from=old`);
    });

    test('the probes are still the platform\'s, and the job never sees the token', { skip }, async () => {
      assert.deepEqual((await pub('/live', { token: null })).json, { live: true });
      assert.equal(((await pub('/health', { token: null })).json as { job_name: string }).job_name, NAME);
      const echo = (await pub('/echo')).json as Echo;
      assert.equal(headerOf(echo, 'x-racetrack-auth'), undefined);
      assert.ok(!JSON.stringify(echo).includes(server.token));
    });

    test('the server listens on port 80 as no root user', { skip }, async () => {
      const [container] = await containersOf(NAME, '0.0.1');
      assert.equal(container!.Config.User, '65534:65534');
      assert.deepEqual(Object.keys(container!.HostConfig.PortBindings ?? {}), ['80/tcp']);
    });
  });

  describe('dockerfile', () => {
    before(async () => {
      if (!engine) return;
      const r = await pushSsh(server, await makeJobRepo('dockerfile-sample'), 'dockerfile-sample', ['-o', 'infra=docker']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /remote: -----> Waiting for \/live and \/ready/);
    });

    test('the job\'s own server keeps the wrapper contract: perform, health, live through pub', { skip }, async () => {
      const r = await callJob(server, '/pub/job/dockerfile-sample/latest/api/v1/perform', { body: { numbers: [40, 2] } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json, 42);
      const health = (await callJob(server, '/pub/job/dockerfile-sample/latest/health', { token: null })).json as Record<string, unknown>;
      assert.deepEqual([health.job_name, health.job_version, health.served_by], ['dockerfile-sample', '0.0.1', 'the job itself']);
      assert.equal((await callJob(server, '/pub/job/dockerfile-sample/latest/live', { token: null })).status, 200);
      assert.match((await callJob(server, '/pub/job/dockerfile-sample/latest/metrics')).text, /^dockerfile_sample_performed_total 1$/m);
      const [container] = await containersOf('dockerfile-sample', '0.0.1');
      assert.equal(container!.Config.User, '65534:65534');
    });
  });

  describe('refusals', () => {
    test('on local both are refused, naming the targets they run on', async () => {
      for (const [fixture, jobType] of [['docker-proxy-sample', 'docker-proxy'], ['dockerfile-sample', 'dockerfile']]) {
        const repo = await makeJobRepo(fixture!);
        const name = `${fixture}-local`;
        const yaml = readFileSync(join(repo, 'job.yaml'), 'utf8').replace(/^name: .*$/m, `name: ${name}`);
        writeFileSync(join(repo, 'job.yaml'), yaml);
        await commitAll(repo, 'local');
        const r = await pushSsh(server, repo, name, ['-o', 'infra=local']);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, new RegExp(`infrastructure_target: job type ${jobType} does not run on local; it runs on docker`));
      }
    });

    test('a dockerfile_path outside the job folder is refused with a field error', async () => {
      const repo = await proxySample('escaping-proxy', '  dockerfile_path: ../Dockerfile\n');
      const r = await pushSsh(server, repo, 'escaping-proxy', ['-o', 'infra=docker']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /jobtype_extra\.dockerfile_path: "\.\.\/Dockerfile" must be a relative path inside the job folder/);
    });

    test('a base image the engine lacks fails with the builder\'s one-line hint', { skip }, async () => {
      const repo = await proxySample('missing-base', '  user_module_port: 7001\n');
      writeFileSync(join(repo, 'Dockerfile'), readFileSync(join(repo, 'Dockerfile'), 'utf8').replace(/^FROM .*$/m, 'FROM rt-no-such-base-image:1'));
      await commitAll(repo, 'a base nobody has');
      const r = await pushSsh(server, repo, 'missing-base', ['-o', 'infra=docker']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /base image rt-no-such-base-image:1 is missing and cannot be pulled/);
    });
  });
});
