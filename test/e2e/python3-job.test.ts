// The python3 job type through real pushes: every endpoint of Racetrack's convention, chains, env, requirements.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { callJob, commitAll, makeJobRepo, pushSsh, startTestServer, type TestServer } from '../harness.js';
import { shoutyJob, tinyWheel, TINY_WHEEL_NAME } from '../tiny-wheel.js';

describe('python3 job type, deployed by push', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    for (const job of ['kitchen-sink', 'adder', 'python-chain']) {
      const r = await pushSsh(server, await makeJobRepo(job), job);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await server.cleanup();
  });

  const ks = (path: string, init: Parameters<typeof callJob>[2] = {}) => callJob(server, `/pub/job/kitchen-sink/latest${path}`, init);

  test('perform, auxiliary endpoint, parameters', async () => {
    assert.deepEqual((await ks('/api/v1/perform', { body: { action: 'echo', message: 'hi' } })).status, 200);
    assert.equal((await ks('/api/v1/double', { body: { x: 21 } })).json, 42);
    const params = (await ks('/api/v1/parameters')).json as { name: string }[];
    assert.deepEqual(params.map((p) => p.name).sort(), ['action', 'message', 'seconds']);
  });

  test('errors: ValueError and bad JSON are 400, other exceptions 500, with error and type', async () => {
    const v = await ks('/api/v1/perform', { body: { action: 'value_error' } });
    assert.equal(v.status, 400);
    assert.deepEqual(v.json, { error: 'bad value on purpose', type: 'ValueError' });
    const r = await ks('/api/v1/perform', { body: { action: 'runtime_error' } });
    assert.equal(r.status, 500);
    assert.equal((r.json as { type: string }).type, 'RuntimeError');
    const bad = await callJob(server, '/pub/job/kitchen-sink/latest/api/v1/perform', { method: 'POST', headers: { 'content-type': 'application/json' }, body: undefined });
    assert.equal(bad.status, 400);
  });

  test('static endpoints: file, file with mimetype, directory; no escape from the job folder', async () => {
    assert.equal((await ks('/readme')).status, 200);
    const m = await ks('/manifest');
    assert.equal(m.headers.get('content-type'), 'application/x-yaml');
    assert.equal((await ks('/ui/index.html')).status, 200);
    assert.equal((await ks('/ui/sub/style.css')).status, 200);
    const escape = await ks('/ui/..%2f..%2fjob.yaml');
    assert.ok([400, 403, 404].includes(escape.status), String(escape.status));
  });

  test('health, live, ready, metrics, openapi, docs, home page redirect', async () => {
    const health = (await ks('/health', { token: null })).json as Record<string, unknown>;
    assert.equal(health.job_name, 'kitchen-sink');
    assert.equal(health.job_version, '1.0.0');
    assert.equal(health.ready, true);
    assert.equal((await ks('/live', { token: null })).status, 200);
    assert.equal((await ks('/ready', { token: null })).status, 200);
    const metrics = (await ks('/metrics')).text;
    assert.match(metrics, /kitchen_sink_constant 7/);
    assert.match(metrics, /request_duration/);
    const openapi = (await ks('/openapi.json')).json as { paths: Record<string, unknown> };
    assert.ok(Object.keys(openapi.paths).some((p) => p.endsWith('/api/v1/perform')));
    assert.match(JSON.stringify(openapi), /"hello"/);
    const docs = await ks('/docs');
    assert.equal(docs.status, 200);
    assert.match(docs.text, /swagger/i);
    const home = await fetch(`${server.httpUrl}/pub/job/kitchen-sink/latest/`, { headers: { 'X-Racetrack-Auth': server.token }, redirect: 'manual' });
    assert.equal(home.status, 302);
    assert.match(home.headers.get('location') ?? '', /\/pub\/job\/kitchen-sink\/1\.0\.0\/api\/v1\/ui\/index\.html$/);
  });

  test('max_concurrency 1 with no queue answers 429 to the second concurrent call', async () => {
    const slow = ks('/api/v1/perform', { body: { action: 'sleep', seconds: 1 } });
    await new Promise((r) => setTimeout(r, 200));
    const second = await ks('/api/v1/perform', { body: { action: 'echo', message: 'x' } });
    assert.equal(second.status, 429);
    assert.equal((await slow).status, 200);
  });

  test('python-chain calls adder through pub once granted: [40, 2.7] → 43', async () => {
    const denied = await callJob(server, '/pub/job/python-chain/latest/api/v1/perform', { body: { numbers: [40, 2.7] } });
    assert.equal(denied.status, 500);
    assert.match(denied.text, /403/);
    assert.equal((await server.ssh('grant job:python-chain adder call_job')).code, 0);
    const ok = await callJob(server, '/pub/job/python-chain/latest/api/v1/perform', { body: { numbers: [40, 2.7] } });
    assert.equal(ok.json, 43);
  });

  test('runtime_env, secrets and Racetrack variables reach the process; reserved names are refused', async () => {
    const files = {
      'job.yaml': 'name: envy\njobtype: python3\nversion: 0.1.0\njobtype_extra:\n  entrypoint_path: envy.py\nruntime_env:\n  GREETING: hi\n',
      'envy.py': 'import os\nclass Envy:\n    def perform(self, key: str):\n        return os.environ.get(key)\n',
    };
    assert.equal((await server.ssh('secrets set envy TOP=secret')).code, 0);
    const r = await pushSsh(server, await makeJobRepo(files), 'envy');
    assert.equal(r.code, 0, r.stderr);
    const get = async (key: string) => (await callJob(server, '/pub/job/envy/latest/api/v1/perform', { body: { key } })).json;
    assert.equal(await get('GREETING'), 'hi');
    assert.equal(await get('TOP'), 'secret');
    assert.equal(await get('JOB_NAME'), 'envy');
    assert.equal(await get('JOB_VERSION'), '0.1.0');
    assert.match(String(await get('PUB_URL')), /^http:\/\/127\.0\.0\.1:\d+\/pub$/);
    assert.ok(String(await get('AUTH_TOKEN')).length > 20);
    assert.match(String(await get('JOB_DEPLOYMENT_TIMESTAMP')), /^\d+$/);
    const reserved = await pushSsh(server, await makeJobRepo({ ...files, 'job.yaml': files['job.yaml'].replace('0.1.0', '0.1.1').replace('GREETING: hi', 'JOB_NAME: x') }), 'envy', ['-f']);
    assert.notEqual(reserved.code, 0);
    assert.match(reserved.stderr, /runtime_env\.JOB_NAME: JOB_NAME is set by Racetrack/);
  });

  test('requirements_path installs a local wheel into the version\'s virtualenv, streaming pip', async () => {
    const repo = await makeJobRepo(shoutyJob('shouty'));
    mkdirSync(join(repo, 'wheels'));
    writeFileSync(join(repo, 'wheels', TINY_WHEEL_NAME), tinyWheel());
    await commitAll(repo, 'wheel');
    const r = await pushSsh(server, repo, 'shouty');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Successfully installed tinylib-1\.0/);
    assert.equal((await callJob(server, '/pub/job/shouty/latest/api/v1/perform', { body: { text: 'hey' } })).json, 'HEY!');
  });

  test('a requirement that cannot be installed rejects the push with pip\'s output', async () => {
    const r = await pushSsh(server, await makeJobRepo({
      'job.yaml': 'name: broken-reqs\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: j.py\n  requirements_path: requirements.txt\n',
      'requirements.txt': './missing/nothing-1.0-py3-none-any.whl\n',
      'j.py': 'class J:\n    def perform(self):\n        return 1\n',
    }), 'broken-reqs');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /pip install failed/);
  });

  test('python_version that is not installed is a clear error', async () => {
    const r = await pushSsh(server, await makeJobRepo({
      'job.yaml': 'name: oldpy\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: j.py\n  python_version: "3.99"\n',
      'j.py': 'class J:\n    def perform(self):\n        return 1\n',
    }), 'oldpy');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /python_version: python3\.99 is not installed/);
  });
});
