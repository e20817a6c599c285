// The golang and rust job types through real pushes: Racetrack's samples (the golang one importing
// github.com/pkg/errors through an offline file:// GOPROXY, the rust one its crates through an offline cargo
// directory source) on the local target (sandboxed build, binary on the inherited socket) and on docker (a
// multi-stage image), called through /pub; compile errors name the job's file and line in the push and the deploy log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { dockerAvailable } from '../../src/deploy/docker/index.js';
import { callJob, commitAll, makeJobRepo, pushSsh, ROOT, startTestServer, tempDir, type TestServer } from '../harness.js';
import { removeDeploymentContainers } from '../docker-exec.js';

const engine = await dockerAvailable();
const noDocker = engine ? false : 'skipped: no Docker engine';

/** a fixture renamed, so one sample deploys as two jobs (one per target) */
async function renamed(fixture: string, name: string, edit: (yaml: string) => string = (y) => y): Promise<string> {
  const repo = await makeJobRepo(fixture);
  writeFileSync(join(repo, 'job.yaml'), edit(readFileSync(join(repo, 'job.yaml'), 'utf8').replace(/^name: .*$/m, `name: ${name}`)));
  await commitAll(repo, 'renamed');
  return repo;
}

function script(name: string, ...args: string[]): void {
  const r = spawnSync('bash', [join(ROOT, 'scripts', name), ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('golang and rust job types, deployed by push', () => {
  let server: TestServer;
  const deployments = new Set<string>();
  before(async () => {
    const offline = tempDir('rt-offline-');
    script('offline-go-proxy.sh', join(offline, 'goproxy'), 'golang-github-pkg-errors-dev');
    script('offline-cargo-source.sh', join(offline, 'cargo-home'));
    server = await startTestServer({
      env: { RACETRACK_GOPROXY: `file://${join(offline, 'goproxy')}`, RACETRACK_GOSUMDB: 'off', RACETRACK_CARGO_HOME: join(offline, 'cargo-home') },
    });
  });
  after(async () => {
    await server.cleanup();
    if (!engine) return;
    // docker jobs outlive the server by design: remove what this suite left
    const docker = new Docker();
    await removeDeploymentContainers(docker, deployments);
  });

  const perform = (job: string, body: unknown) => callJob(server, `/pub/job/${job}/latest/api/v1/perform`, { body });
  const badJson = (job: string) => fetch(`${server.httpUrl}/pub/job/${job}/latest/api/v1/perform`, {
    method: 'POST', headers: { 'X-Racetrack-Auth': server.token, 'content-type': 'application/json' }, body: '{"numbers": [1,',
  });
  /** the job's container, remembered for removal */
  const containerOf = async (job: string) => {
    const r = await server.ssh(`jobs info ${job} latest --json`);
    const { deployment_id: id } = JSON.parse(r.stdout) as { deployment_id: string };
    deployments.add(id);
    const docker = new Docker();
    const [c] = await docker.listContainers({ all: true, filters: { label: [`racetrack.deployment=${id}`] } });
    return docker.getContainer(c!.Id).inspect();
  };
  /** the image that runs is the small runtime stage: a non-root user, and nothing of the build's sources or settings */
  const assertRuntimeImage = async (job: string) => {
    const container = await containerOf(job);
    assert.equal(container.Config.User, '10000:10000');
    assert.doesNotMatch(container.Config.Env.join('\n'), /GOPROXY|GOSUMDB|CARGO_HOME|RUSTFLAGS/);
    const history = await new Docker().getImage(container.Image).history() as { CreatedBy: string }[];
    assert.doesNotMatch(history.map((h) => h.CreatedBy).join('\n'), /goproxy|cargo-sources|GOPROXY|CARGO_HOME/);
  };

  test('golang on local: the sample adds through /pub; a Perform error is 500, bad JSON 400; docs and metrics', async () => {
    const r = await pushSsh(server, await makeJobRepo('golang-sample'), 'golang-sample');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Compiling the golang job/);
    assert.equal((await perform('golang-sample', { numbers: [40, 2] })).json, 42);
    const failed = await perform('golang-sample', {});
    assert.equal(failed.status, 500);
    assert.deepEqual(failed.json, { error: '\'numbers\' parameter was not given', type: 'errors.fundamental' });
    assert.equal((await badJson('golang-sample')).status, 400);
    assert.match((await callJob(server, '/pub/job/golang-sample/latest/docs')).text, /swagger/i);
    assert.match((await callJob(server, '/pub/job/golang-sample/latest/metrics')).text, /request_duration/);
  });

  // the broken jobs are new versions of the samples' jobs, so their builds find the jobs' caches warm
  const goBroken = (name: string) => makeJobRepo({
    'job.yaml': `name: ${name}\nowner_email: dev@example.com\njobtype: golang\nversion: 0.0.9\n`,
    'go.mod': 'module broken\n\ngo 1.16\n',
    'perform.go': 'package broken\n\nfunc Perform(input map[string]interface{}) (interface{}, error) {\n\treturn undefinedThing, nil\n}\n',
  });

  test('golang: a compile error fails the push naming the file and line, in the push and in the deploy log', async () => {
    const r = await pushSsh(server, await goBroken('golang-sample'), 'golang-sample', ['-f']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /go build failed: perform\.go:4:9: undefined: undefinedThing/);
    const deploys = JSON.parse((await server.ssh('deploys list golang-sample --json')).stdout) as { id: string; status: string }[];
    const deploy = deploys.find((d) => d.status === 'failed');
    assert.ok(deploy, JSON.stringify(deploys));
    assert.match((await server.ssh(`deploys show ${deploy!.id}`)).stdout, /perform\.go:4:9: undefined: undefinedThing/);
  });

  test('rust on local: the sample adds through /pub; a panic in perform is 500, bad JSON 400', async () => {
    const r = await pushSsh(server, await makeJobRepo('rust-sample'), 'rust-sample');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await perform('rust-sample', { numbers: [40, 2] })).json, 42);
    const failed = await perform('rust-sample', { numbers: 'x' });
    assert.equal(failed.status, 500);
    assert.equal((failed.json as { type: string }).type, 'panic');
    assert.equal((await badJson('rust-sample')).status, 400);
  });

  test('rust, named with the deprecated lang: field: a compile error names the job\'s file and line', async () => {
    const repo = await makeJobRepo({
      'job.yaml': 'name: rust-sample\nowner_email: dev@example.com\nlang: rust\nversion: 0.0.8\n',
      'mod.rs': 'use serde_json::Value;\nuse std::collections::HashMap;\n\npub fn perform(input: HashMap<String, Value>) -> Value {\n    undefined_thing\n}\n',
    });
    const r = await pushSsh(server, repo, 'rust-sample', ['-f']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /lang is deprecated/);
    assert.match(r.stderr, /cargo build failed: mod\.rs:5:5: error\[E0425\]: cannot find value `undefined_thing`/);
  });

  test('a local build is confined: a job that reads the server\'s database at compile time sees no such file', async () => {
    const db = join(server.dataDir, 'racetrack.db');
    const repo = await makeJobRepo({
      'job.yaml': 'name: rust-sample\nowner_email: dev@example.com\njobtype: rust\nversion: 0.0.9\n',
      'mod.rs': `use serde_json::{json, Value};\nuse std::collections::HashMap;\n\nconst STOLEN: &str = include_str!(${JSON.stringify(db)});\n\npub fn perform(_input: HashMap<String, Value>) -> Value {\n    json!(STOLEN.len())\n}\n`,
    });
    const r = await pushSsh(server, repo, 'rust-sample', ['-f']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cargo build failed: mod\.rs:4:\d+: error: couldn't read .*racetrack\.db.*No such file or directory/);
    assert.doesNotMatch(r.stderr, /SQLite format/);
  });

  test('golang on docker: the sample\'s image serves perform through /pub', { skip: noDocker }, async () => {
    const r = await pushSsh(server, await renamed('golang-sample', 'golang-sample-docker'), 'golang-sample-docker', ['-o', 'infra=docker']);
    assert.equal(r.code, 0, r.stderr);
    await assertRuntimeImage('golang-sample-docker');
    assert.equal((await perform('golang-sample-docker', { numbers: [40, 2] })).json, 42);
    assert.equal((await perform('golang-sample-docker', {})).status, 500);
    assert.equal((await badJson('golang-sample-docker')).status, 400);
  });

  test('rust on docker: the sample\'s image serves perform through /pub', { skip: noDocker }, async () => {
    const r = await pushSsh(server, await renamed('rust-sample', 'rust-sample-docker'), 'rust-sample-docker', ['-o', 'infra=docker']);
    assert.equal(r.code, 0, r.stderr);
    await assertRuntimeImage('rust-sample-docker');
    assert.equal((await perform('rust-sample-docker', { numbers: [40, 2] })).json, 42);
    assert.equal((await perform('rust-sample-docker', { numbers: 'x' })).status, 500);
    assert.equal((await badJson('rust-sample-docker')).status, 400);
  });

  test('golang on docker: a compile error names the file and line in the push', { skip: noDocker }, async () => {
    const r = await pushSsh(server, await goBroken('go-broken-docker'), 'go-broken-docker', ['-o', 'infra=docker']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /perform\.go:4:9: undefined: undefinedThing/);
  });
});
