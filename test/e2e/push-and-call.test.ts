// The walking skeleton end to end: git push over SSH and HTTP deploys python3 jobs that answer through pub.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { callJob, commitAll, makeJobRepo, pushHttp, pushSsh, startTestServer, writeFile, type TestServer } from '../harness.js';

const GREETER = {
  'job.yaml': 'name: greeter\nowner_email: dev@example.com\njobtype: python3:latest\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: greeter.py\n',
  'greeter.py': 'class Greeter:\n    def perform(self, name: str = "world") -> str:\n        return f"hello {name}"\n',
};

describe('push to deploy, then call', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.cleanup();
  });

  test('git push over ssh deploys adder 0.0.2 and streams the deploy', async () => {
    const repo = await makeJobRepo('adder');
    const r = await pushSsh(server, repo, 'adder');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /remote: -----> Building adder 0\.0\.2 \(python3\)/);
    assert.match(r.stderr, /remote: -----> adder 0\.0\.2 is live/);
    assert.match(r.stderr, /\/pub\/job\/adder\/0\.0\.2\//);
  });

  test('adder answers 42 at its exact version and at latest', async () => {
    for (const v of ['0.0.2', 'latest']) {
      const r = await callJob(server, `/pub/job/adder/${v}/api/v1/perform`, { body: { numbers: [40, 2] } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json, 42);
    }
  });

  test('a call without a token is refused with 401 JSON', async () => {
    const r = await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [1] }, token: null });
    assert.equal(r.status, 401);
    assert.equal((r.json as { job_name: string }).job_name, 'adder');
    assert.ok((r.json as { error: string }).error);
  });

  test('git push over http deploys a second job', async () => {
    const repo = await makeJobRepo(GREETER);
    const r = await pushHttp(server, repo, 'greeter');
    assert.equal(r.code, 0, r.stderr);
    const call = await callJob(server, '/pub/job/greeter/1.0.0/api/v1/perform', { body: { name: 'racetrack' } });
    assert.equal(call.json, 'hello racetrack');
  });

  test('http push with a wrong token gets 401', async () => {
    const repo = await makeJobRepo(GREETER);
    const r = await pushHttp(server, repo, 'greeter', [], 'wrong-token');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /401|Authentication failed/i);
  });

  test('ssh jobs list --json shows both jobs', async () => {
    const r = await server.ssh('jobs list --json');
    assert.equal(r.code, 0, r.stderr);
    const jobs = JSON.parse(r.stdout) as { name: string; version: string; status: string }[];
    const adder = jobs.find((j) => j.name === 'adder');
    assert.deepEqual({ version: adder?.version, status: adder?.status }, { version: '0.0.2', status: 'running' });
    assert.ok(jobs.some((j) => j.name === 'greeter'));
    const table = await server.ssh('jobs list');
    assert.match(table.stdout, /^NAME\s+VERSION\s+STATUS\s+TYPE\s+INFRA\s+AGE\s+URL/);
  });

  test('ssh whoami names the admin', async () => {
    const r = await server.ssh('whoami --json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).admin, true);
  });

  test('a job.yaml with an invalid version rejects the push, naming version, and the branch stays', async () => {
    const repo = await makeJobRepo('adder');
    writeFile(repo, 'job.yaml', (await import('node:fs')).readFileSync(`${repo}/job.yaml`, 'utf8').replace(/version: .*/, 'version: "1.0"'));
    await commitAll(repo, 'bad version');
    const r = await pushSsh(server, repo, 'adder', ['-f']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /remote:  !     job\.yaml: version: "1\.0" is not a semantic version x\.y\.z/);
    assert.match(r.stderr, /pre-receive hook declined/);
    const still = await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [40, 2] } });
    assert.equal(still.json, 42);
  });

  test('unknown ssh command exits 2', async () => {
    const r = await server.ssh('frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
  });

  test('GET /health answers pass', async () => {
    const r = await callJob(server, '/health', { token: null });
    assert.equal(r.status, 200);
    assert.deepEqual({ service: (r.json as { service: string }).service, status: (r.json as { status: string }).status }, { service: 'racetrack', status: 'pass' });
  });
});
