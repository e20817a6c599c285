// The python3 job wrapper over real HTTP: spawns `python3 -m racetrack_job_wrapper` on the sample jobs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../../../test/harness.js';

const WRAPPER_DIR = fileURLToPath(new URL('./wrapper', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/jobs', import.meta.url));
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const PYTHON = process.env.PYTHON ?? 'python3';

interface Job { proc: ChildProcess; port: number; stderr: () => string; exited: Promise<number | null> }
interface Reply { status: number; headers: http.IncomingHttpHeaders; text: string; json: () => any }

const jobs: Job[] = [];
after(() => { for (const job of jobs) if (job.proc.exitCode === null) job.proc.kill('SIGTERM'); });

function startJob(cwd: string, entrypoint: string, env: Record<string, string>, args: string[] = []): Promise<Job> {
  const proc = spawn(PYTHON, ['-m', 'racetrack_job_wrapper', '--entrypoint-path', entrypoint, '--port', '0',
    '--swagger-ui-dir', SWAGGER_UI_DIR, ...args], {
    cwd, env: { ...process.env, PYTHONPATH: WRAPPER_DIR, PYTHONDONTWRITEBYTECODE: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(stderr);
      if (m) {
        const job = { proc, port: Number(m[1]), stderr: () => stderr, exited };
        jobs.push(job);
        resolve(job);
      }
    });
    void exited.then((code) => reject(new Error(`wrapper exited ${code} before listening:\n${stderr}`)));
  });
}

/** node:http, not fetch: paths such as /a/../b must reach the server as written. */
function request(port: number, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const post = (port: number, path: string, payload: unknown, headers: Record<string, string> = {}) =>
  request(port, 'POST', path, typeof payload === 'string' ? payload : JSON.stringify(payload), { 'content-type': 'application/json', ...headers });

async function waitReady(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await request(port, 'GET', '/ready')).status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('job never became ready');
}

describe('adder job', () => {
  let adder: Job;
  before(async () => {
    adder = await startJob(join(FIXTURES, 'adder'), 'adder.py', { JOB_NAME: 'adder', JOB_VERSION: '0.0.2', JOB_DEPLOYMENT_TIMESTAMP: '1700000000' },
      ['--entrypoint-class', 'AdderModel']);
    await waitReady(adder.port);
  });

  for (const prefix of ['', '/pub/job/adder/0.0.2', '/pub/job/adder/latest']) {
    test(`perform, parameters, aux, docs and redirect at "${prefix || '/'}"`, async () => {
      const sum = await post(adder.port, `${prefix}/api/v1/perform`, { numbers: [40, 2] });
      assert.equal(sum.status, 200);
      assert.equal(sum.headers['content-type'], 'application/json');
      assert.equal(sum.json(), 42);

      const params = await request(adder.port, 'GET', `${prefix}/api/v1/parameters`);
      assert.deepEqual(params.json(), [{ name: 'numbers', type: 'list[float]' }]);

      const explain = await post(adder.port, `${prefix}/api/v1/explain`, { numbers: [1, 3] });
      assert.deepEqual(explain.json(), { '1': 0.25, '3': 0.75 });

      const openapi = (await request(adder.port, 'GET', `${prefix}/openapi.json`)).json();
      assert.equal(openapi.openapi, '3.0.3');
      const perform = openapi.paths['/api/v1/perform'].post;
      assert.deepEqual(perform.requestBody.content['application/json'].example, { numbers: [40, 2] });
      assert.deepEqual(perform.requestBody.content['application/json'].schema.properties.numbers,
        { type: 'array', items: { type: 'number' }, description: 'Numbers to add.' });
      assert.ok(openapi.paths['/api/v1/explain'].post);
      assert.deepEqual(openapi.servers, prefix ? [{ url: prefix }] : undefined);

      const docs = await request(adder.port, 'GET', `${prefix}/docs`);
      assert.equal(docs.status, 200);
      assert.match(docs.text, /href="docs\/swagger-ui\.css"/);
      assert.match(docs.text, /new URL\('openapi\.json', document\.baseURI\)/);
      const css = await request(adder.port, 'GET', `${prefix}/docs/swagger-ui.css`);
      assert.equal(css.status, 200);
      assert.equal(css.headers['content-type'], 'text/css');
      assert.equal((await request(adder.port, 'GET', `${prefix}/docs/..%2Fpackage.json`)).status, 404);

      const root = await request(adder.port, 'GET', `${prefix}/`);
      assert.equal(root.status, 302);
      assert.equal(root.headers.location, `${prefix}/docs`);
    });
  }

  test('health, live and ready', async () => {
    const health = await request(adder.port, 'GET', '/pub/job/adder/0.0.2/health');
    assert.equal(health.status, 200);
    assert.deepEqual(
      (({ job_name, job_version, status, live, ready, deployment_timestamp }) => ({ job_name, job_version, status, live, ready, deployment_timestamp }))(health.json()),
      { job_name: 'adder', job_version: '0.0.2', status: 'pass', live: true, ready: true, deployment_timestamp: 1700000000 });
    assert.equal((await request(adder.port, 'GET', '/live')).status, 200);
    assert.deepEqual((await request(adder.port, 'GET', '/ready')).json(), { ready: true });
  });

  test('unknown paths, wrong methods and bad requests', async () => {
    assert.equal((await request(adder.port, 'GET', '/nope')).status, 404);
    const wrongMethod = await request(adder.port, 'GET', '/api/v1/perform');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.allow, 'POST');
    const notJson = await post(adder.port, '/api/v1/perform', '{nope');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.json().type, 'ValueError');
    assert.equal((await post(adder.port, '/api/v1/perform', [1, 2])).status, 400);
    const wrongArgs = await post(adder.port, '/api/v1/perform', { nums: [1] });
    assert.equal(wrongArgs.status, 400);
    assert.equal(wrongArgs.json().type, 'TypeError');
    assert.match(wrongArgs.json().error, /nums/);
  });

  test('keep-alive: pipelined requests on one connection, each with Content-Length', async () => {
    const body = '{"numbers": [1, 2]}';
    const one = `POST /api/v1/perform HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(adder.port, '127.0.0.1', () => socket.write(one + one));
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
        if (data.split('HTTP/1.1 200 OK').length === 3 && data.endsWith('3')) { socket.end(); resolve(data); }
      });
      socket.on('error', reject);
    });
    assert.equal(raw.match(/Content-Length: 1\r\n/g)?.length, 2);
    assert.doesNotMatch(raw, /Connection: close/);
  });

  test('metrics count calls per endpoint and status', async () => {
    await post(adder.port, '/api/v1/perform', { numbers: [1] });
    const metrics = await request(adder.port, 'GET', '/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers['content-type']!, /^text\/plain/);
    assert.match(metrics.text, /^requests_started_total \d+\.0$/m);
    assert.match(metrics.text, /^endpoint_requests_started_total\{endpoint="\/perform"\} \d+\.0$/m);
    assert.match(metrics.text, /^request_duration_bucket\{endpoint="\/perform",le="\+Inf"\} \d+$/m);
    assert.match(metrics.text, /^http_requests_total\{method="POST",route="\/api\/v1\/perform",status="200"\} \d+\.0$/m);
    assert.match(metrics.text, /^http_requests_total\{method="POST",route="\/api\/v1\/perform",status="400"\} \d+\.0$/m);
    assert.match(metrics.text, /^request_internal_errors_total\{endpoint="\/perform"\} \d+\.0$/m);
    assert.match(metrics.text, /^last_call_timestamp \d+\.\d+$/m);
  });

  describe('python-chain calling adder through a fake pub', () => {
    let chain: Job;
    let pub: http.Server;
    const seen: http.IncomingHttpHeaders[] = [];
    before(async () => {
      pub = http.createServer((req, res) => {
        seen.push(req.headers);
        if (req.headers['x-racetrack-auth'] !== 'chain-token' || req.headers['x-request-tracing-id'] === 'deny') {
          res.writeHead(403, { 'content-type': 'application/json' }).end('{"error": "no permission"}');
          return;
        }
        const forward = http.request({ host: '127.0.0.1', port: adder.port, method: req.method, path: req.url, headers: req.headers }, (upstream) => {
          res.writeHead(upstream.statusCode!, upstream.headers);
          upstream.pipe(res);
        });
        req.pipe(forward);
      });
      await new Promise<void>((resolve) => pub.listen(0, '127.0.0.1', resolve));
      const pubPort = (pub.address() as { port: number }).port;
      chain = await startJob(join(FIXTURES, 'python-chain'), 'entrypoint.py', {
        JOB_NAME: 'python-chain', JOB_VERSION: '0.0.2', PUB_URL: `http://127.0.0.1:${pubPort}/pub`, AUTH_TOKEN: 'chain-token',
      });
      await waitReady(chain.port);
    });
    after(() => { pub.closeAllConnections(); pub.close(); });

    test('call_job sends auth, tracing id and caller name and returns the parsed result', async () => {
      const res = await post(chain.port, '/api/v1/perform', { numbers: [40, 2.7] }, { 'X-Request-Tracing-Id': 'trace-123' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json(), 43);
      const headers = seen.at(-1)!;
      assert.equal(headers['x-racetrack-auth'], 'chain-token');
      assert.equal(headers['x-request-tracing-id'], 'trace-123');
      assert.equal(headers['x-caller-name'], 'python-chain');
    });

    test('a refused call surfaces as a 500 naming the status and body', async () => {
      const res = await post(chain.port, '/api/v1/perform', { numbers: [1] }, { 'X-Request-Tracing-Id': 'deny' });
      assert.equal(res.status, 500);
      assert.equal(res.json().type, 'JobCallError');
      assert.match(res.json().error, /HTTP 403 .*no permission/);
    });
  });
});

describe('kitchen-sink job', () => {
  let job: Job;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kitchen-sink-'));
    cpSync(join(FIXTURES, 'kitchen-sink'), dir, { recursive: true });
    symlinkSync('/etc/hostname', join(dir, 'static', 'escape'));
    job = await startJob(dir, 'job/entrypoint.py', { JOB_NAME: 'kitchen-sink', JOB_VERSION: '1.0.0', INIT_SECONDS: '1.5' },
      ['--home-page', '/api/v1/ui/index.html', '--max-concurrency', '1', '--max-concurrency-queue', '0']);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('answers /live at once while a slow __init__ runs, /ready only after', async () => {
    assert.equal((await request(job.port, 'GET', '/live')).status, 200);
    const ready = await request(job.port, 'GET', '/ready');
    assert.equal(ready.status, 503);
    const health = await request(job.port, 'GET', '/pub/job/kitchen-sink/1.0.0/health');
    assert.equal(health.json().status, 'starting');
    assert.equal(health.json().ready, false);
    assert.equal((await post(job.port, '/api/v1/perform', { action: 'echo' })).status, 503);
    await waitReady(job.port);
    assert.equal((await request(job.port, 'GET', '/health')).json().status, 'pass');
  });

  test('results and errors of perform', async () => {
    const echo = await post(job.port, '/api/v1/perform', { action: 'echo', message: 'hi' });
    assert.deepEqual(echo.json(), { message: 'hi', length: 2 });
    const bad = await post(job.port, '/pub/job/kitchen-sink/1.0.0/api/v1/perform', { action: 'value_error' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), { error: 'bad value on purpose', type: 'ValueError' });
    const broken = await post(job.port, '/api/v1/perform', { action: 'runtime_error' });
    assert.equal(broken.status, 500);
    assert.deepEqual(broken.json(), { error: 'failure on purpose', type: 'RuntimeError' });
    // the traceback travels through a pipe of its own: it may arrive just after the answer
    await eventually(async () => /Traceback[\s\S]*RuntimeError: failure on purpose/.test(job.stderr()), 5000);
    assert.equal((await post(job.port, '/api/v1/double', { x: 21 })).json(), 42);
    assert.deepEqual((await request(job.port, 'GET', '/api/v1/parameters')).json(), [
      { name: 'action', type: 'str' },
      { name: 'message', default_value: null, type: 'Optional[str]' },
      { name: 'seconds', default_value: 0, type: 'float' },
    ]);
  });

  test('static endpoints: file, (file, mimetype), folder; nothing outside', async () => {
    for (const prefix of ['', '/pub/job/kitchen-sink/1.0.0']) {
      const readme = await request(job.port, 'GET', `${prefix}/api/v1/readme`);
      assert.equal(readme.status, 200);
      assert.match(readme.text, /^# kitchen-sink/);
      const manifest = await request(job.port, 'GET', `${prefix}/manifest`);
      assert.equal(manifest.headers['content-type'], 'application/x-yaml');
      assert.match(manifest.text, /name: kitchen-sink/);
      const css = await request(job.port, 'GET', `${prefix}/api/v1/ui/sub/style.css`);
      assert.equal(css.status, 200);
      assert.equal(css.headers['content-type'], 'text/css');
    }
    assert.equal((await request(job.port, 'GET', '/api/v1/ui/../job.yaml')).status, 404);
    assert.equal((await request(job.port, 'GET', '/api/v1/ui/%2e%2e/job.yaml')).status, 404);
    assert.equal((await request(job.port, 'GET', '/api/v1/ui/sub/../../README.md')).status, 404);
    assert.equal((await request(job.port, 'GET', '/api/v1/ui/escape')).status, 403);
    assert.equal((await request(job.port, 'GET', '/api/v1/ui/missing.txt')).status, 404);
    const home = await request(job.port, 'GET', '/pub/job/kitchen-sink/1.0.0');
    assert.equal(home.headers.location, '/pub/job/kitchen-sink/1.0.0/api/v1/ui/index.html');
  });

  test('metrics include the job\'s own metrics()', async () => {
    const text = (await request(job.port, 'GET', '/metrics')).text;
    assert.match(text, /^# HELP kitchen_sink_calls perform\(\) calls so far$/m);
    assert.match(text, /^kitchen_sink_calls\{color="blue"\} [1-9]\d*\.0$/m);
    assert.match(text, /^kitchen_sink_constant 7\.0$/m);
    assert.match(text, /^request_internal_errors_total\{endpoint="\/perform"\} 2\.0$/m);
  });

  test('docs_input_examples feed the OpenAPI examples', async () => {
    const openapi = (await request(job.port, 'GET', '/openapi.json')).json();
    assert.deepEqual(openapi.paths['/api/v1/perform'].post.requestBody.content['application/json'].example, { action: 'echo', message: 'hello' });
    assert.deepEqual(openapi.paths['/api/v1/double'].post.requestBody.content['application/json'].example, { x: 21 });
    assert.ok(openapi.paths['/api/v1/readme'].get);
  });

  test('max_concurrency 1 with no queue answers 429 while a call runs', async () => {
    const slow = post(job.port, '/api/v1/perform', { action: 'sleep', seconds: 1 });
    let rejected: Reply | undefined;
    for (let i = 0; i < 20 && rejected?.status !== 429; i++) {  // until the slow call holds the only slot
      await new Promise((r) => setTimeout(r, 30));
      rejected = await post(job.port, '/api/v1/perform', { action: 'echo' });
    }
    assert.equal(rejected?.status, 429);
    assert.equal(rejected!.json().type, 'TooManyRequests');
    assert.equal((await slow).status, 200);
    assert.equal((await post(job.port, '/api/v1/perform', { action: 'echo' })).status, 200);
  });
});

test('a failing __init__ shows in /live, is logged and ends the process non-zero', async () => {
  const job = await startJob(join(FIXTURES, 'kitchen-sink'), 'job/entrypoint.py', { JOB_NAME: 'kitchen-sink', INIT_SECONDS: '0.3', INIT_FAIL: '1' });
  let live: Reply | undefined;
  for (let i = 0; i < 100 && live?.status !== 500; i++) {
    live = await request(job.port, 'GET', '/live');
    if (live.status !== 500) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(live?.status, 500);
  assert.match(live!.json().error, /RuntimeError: init failed on purpose/);
  assert.equal((await request(job.port, 'GET', '/health')).json().status, 'fail');
  assert.equal(await job.exited, 1);
  await eventually(async () => /Traceback[\s\S]*init failed on purpose/.test(job.stderr()), 5000);
});

test('SIGTERM: a call in flight is answered, then the process exits 0', async () => {
  const job = await startJob(join(FIXTURES, 'kitchen-sink'), 'job/entrypoint.py', { JOB_NAME: 'kitchen-sink', JOB_VERSION: '1.0.0' });
  for (let i = 0; i < 50 && (await request(job.port, 'GET', '/ready')).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  const inFlight = post(job.port, '/api/v1/perform', { action: 'sleep', seconds: 1 });
  await new Promise((r) => setTimeout(r, 300));
  job.proc.kill('SIGTERM');
  const reply = await inFlight;
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json(), { slept: 1 });
  assert.equal(await job.exited, 0);
});

test('SIGTERM while idle or still in a slow __init__ ends the process at once', async () => {
  const idle = await startJob(join(FIXTURES, 'adder'), 'adder.py', { JOB_NAME: 'adder', JOB_VERSION: '0.0.2' });
  for (let i = 0; i < 50 && (await request(idle.port, 'GET', '/ready')).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  idle.proc.kill('SIGTERM');
  assert.equal(await idle.exited, 0);
  const slow = await startJob(join(FIXTURES, 'kitchen-sink'), 'job/entrypoint.py', { JOB_NAME: 'kitchen-sink', JOB_VERSION: '1.0.0', INIT_SECONDS: '30' });
  slow.proc.kill('SIGTERM');
  assert.equal(await slow.exited, 0);
});
