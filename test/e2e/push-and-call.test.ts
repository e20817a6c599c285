// The walking skeleton end to end: git push over SSH and HTTP deploys python3 jobs that answer through pub.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { callJob, commitAll, gitSshEnv, makeJobRepo, pushHttp, pushSsh, run, startTestServer, tempDir, writeFile, type TestServer } from '../harness.js';

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

  test('git clone over ssh and http gives back the pushed commit', async () => {
    const dir = tempDir('rt-clone-');
    const bySsh = await run('git', ['clone', '-q', server.sshUrl('adder'), 'a'], { cwd: dir, env: gitSshEnv(server.keyPath) });
    assert.equal(bySsh.code, 0, bySsh.stderr);
    assert.ok(existsSync(join(dir, 'a', 'adder.py')));
    const byHttp = await run('git', ['clone', '-q', server.httpGitUrl('greeter'), 'g'], { cwd: dir });
    assert.equal(byHttp.code, 0, byHttp.stderr);
    assert.ok(existsSync(join(dir, 'g', 'greeter.py')));
    const missing = await run('git', ['clone', '-q', server.httpGitUrl('nope'), 'n'], { cwd: dir });
    assert.notEqual(missing.code, 0);
  });

  test('clients that ask for git protocol v2 get it over ssh and http', async () => {
    const dir = tempDir('rt-clone-v2-');
    const trace = { GIT_TRACE_PACKET: '1' };
    const bySsh = await run('git', ['-c', 'protocol.version=2', 'clone', '-q', server.sshUrl('adder'), 'a'], { cwd: dir, env: { ...gitSshEnv(server.keyPath), ...trace } });
    assert.equal(bySsh.code, 0, bySsh.stderr);
    assert.match(bySsh.stderr, /< version 2/);
    const byHttp = await run('git', ['-c', 'protocol.version=2', 'clone', '-q', server.httpGitUrl('greeter'), 'g'], { cwd: dir, env: trace });
    assert.equal(byHttp.code, 0, byHttp.stderr);
    assert.match(byHttp.stderr, /< version 2/);
    assert.ok(existsSync(join(dir, 'g', 'greeter.py')));
    // and v0 still works for old clients
    const v0 = await run('git', ['-c', 'protocol.version=0', 'clone', '-q', server.httpGitUrl('greeter'), 'g0'], { cwd: dir, env: trace });
    assert.equal(v0.code, 0, v0.stderr);
    assert.doesNotMatch(v0.stderr, /< version 2/);
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

  test('a monorepo deploys the one job whose job.yaml names the remote, from its own folder', async () => {
    const files = (name: string, answer: string) => ({
      [`jobs/${name}/job.yaml`]: `name: ${name}\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: main.py\n`,
      [`jobs/${name}/main.py`]: `class Job:\n    def perform(self):\n        return "${answer}"\n`,
    });
    const repo = await makeJobRepo({ ...files('mono-a', 'from a'), ...files('mono-b', 'from b') });
    const r = await pushSsh(server, repo, 'mono-b');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await callJob(server, '/pub/job/mono-b/latest/api/v1/perform', { body: {} })).json, 'from b');
    const none = await pushSsh(server, repo, 'mono-c');
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /jobs\/mono-a\/job\.yaml \(name "mono-a"\)/);
    assert.match(none.stderr, /jobs\/mono-b\/job\.yaml \(name "mono-b"\)/);
  });

  test('a root job.yaml naming another job is rejected; other branches are stored, not deployed', async () => {
    const repo = await makeJobRepo(GREETER);
    const wrong = await pushSsh(server, repo, 'not-greeter');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /job\.yaml names "greeter" but this remote is "not-greeter"/);
    const branch = await run('git', ['push', server.sshUrl('greeter'), 'HEAD:refs/heads/feature'], { cwd: repo, env: gitSshEnv(server.keyPath) });
    assert.equal(branch.code, 0, branch.stderr);
    assert.match(branch.stderr, /branch feature stored, not deployed/);
  });

  test('unknown ssh command exits 2', async () => {
    const r = await server.ssh('frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
  });

  test('GET /metrics has the gateway\'s counters and the platform\'s gauges', async () => {
    const r = await callJob(server, '/metrics', { token: null });
    assert.equal(r.status, 200);
    assert.match(r.text, /^racetrack_job_versions\{status="running"\} [1-9]/m);
    assert.match(r.text, /^racetrack_deployments_recent\{status="failed"\} [1-9]/m);
    assert.match(r.text, /^racetrack_pushes_in_flight 0$/m);
  });

  test('GET /health answers pass', async () => {
    const r = await callJob(server, '/health', { token: null });
    assert.equal(r.status, 200);
    assert.deepEqual({ service: (r.json as { service: string }).service, status: (r.json as { status: string }).status }, { service: 'racetrack', status: 'pass' });
  });
});
