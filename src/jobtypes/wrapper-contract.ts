// The wrapper contract (CONTRACT §5 and §11) over real HTTP, run against every compiled language wrapper:
// each test file builds its sample adder and a probe job, and hands this suite a way to start them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import http from 'node:http';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { eventually } from '../../test/harness.js';

export const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

export interface RunningJob {
  proc: ChildProcess;
  port: number;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => any;
}

export interface WrapperUnderTest {
  /** the adder sample: perform({numbers}) sums them and fails (500) when "numbers" is missing */
  adderBinary: () => string;
  /** the "type" of the 500 answer when the adder's "numbers" is missing */
  missingNumbersType: string;
  /**
   * a probe job: {"sleep": seconds} sleeps then answers {"slept": seconds}; {"panic": true} panics with
   * "panic on purpose"; anything else is echoed back
   */
  probeBinary: () => string;
  /** the "type" of the 500 answer to a panic */
  panicType: string;
}

const started: RunningJob[] = [];

/** Kills every job that startBinary started and that still runs; for each test file's after(). */
export function stopStartedBinaries(): void {
  for (const job of started) if (job.proc.exitCode === null && job.proc.signalCode === null) job.proc.kill('SIGKILL');
}

/** Starts a built job binary on a free port and resolves once it printed where it listens. */
export function startBinary(binary: string, env: Record<string, string>, args: string[] = [], cwd?: string): Promise<RunningJob> {
  const proc = spawn(binary, ['--port', '0', '--swagger-ui-dir', SWAGGER_UI_DIR, ...args], {
    cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  proc.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on http:\/\/[^\s]+:(\d+)/.exec(stderr);
      if (m) {
        const job = { proc, port: Number(m[1]), stderr: () => stderr, stdout: () => stdout, exited };
        started.push(job);
        resolve(job);
      }
    });
    void exited.then((code) => reject(new Error(`${binary} exited ${code} before listening:\n${stderr}`)));
  });
}

/** node:http, not fetch: paths such as /docs/..%2F must reach the server as written. */
export function request(port: number, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const post = (port: number, path: string, payload: unknown) =>
  request(port, 'POST', path, typeof payload === 'string' ? payload : JSON.stringify(payload), { 'content-type': 'application/json' });

export function runWrapperContract(name: string, wrapper: WrapperUnderTest): void {
  describe(`${name} wrapper contract`, () => {
    after(stopStartedBinaries);
    const start = startBinary;

    describe('the adder', () => {
      let adder: RunningJob;
      before(async () => {
        adder = await start(wrapper.adderBinary(), {
          JOB_NAME: 'adder', JOB_VERSION: '0.0.2', JOB_DEPLOYMENT_TIMESTAMP: '1700000000', GIT_VERSION: 'abc1234',
        });
      });

      for (const prefix of ['', '/pub/job/adder/0.0.2', '/pub/job/adder/latest']) {
        test(`perform, openapi, docs and the home redirect at "${prefix || '/'}"`, async () => {
          const sum = await post(adder.port, `${prefix}/api/v1/perform`, { numbers: [40, 2] });
          assert.equal(sum.status, 200);
          assert.equal(sum.headers['content-type'], 'application/json');
          assert.equal(sum.json(), 42);

          const openapi = (await request(adder.port, 'GET', `${prefix}/openapi.json`)).json();
          assert.equal(openapi.openapi, '3.0.3');
          assert.equal(openapi.info.title, 'Job - adder');
          assert.equal(openapi.paths['/api/v1/perform'].post.requestBody.content['application/json'].schema.type, 'object');
          assert.deepEqual(openapi.servers, prefix ? [{ url: prefix }] : undefined);

          const docs = await request(adder.port, 'GET', `${prefix}/docs`);
          assert.equal(docs.status, 200);
          assert.match(docs.headers['content-type']!, /^text\/html/);
          assert.match(docs.text, /href="docs\/swagger-ui\.css"/);
          assert.match(docs.text, /new URL\('openapi\.json', document\.baseURI\)/);
          const css = await request(adder.port, 'GET', `${prefix}/docs/swagger-ui.css`);
          assert.equal(css.status, 200);
          assert.equal(css.headers['content-type'], 'text/css');
          for (const escape of ['..%2Fpackage.json', '%2E%2E%2Fpackage.json', '.package.json']) {
            assert.equal((await request(adder.port, 'GET', `${prefix}/docs/${escape}`)).status, 404, escape);
          }
          const slash = await request(adder.port, 'GET', `${prefix}/docs/`);
          assert.equal(slash.status, 307);
          assert.equal(slash.headers.location, `${prefix}/docs`);

          const root = await request(adder.port, 'GET', `${prefix}/`);
          assert.equal(root.status, 302);
          assert.equal(root.headers.location, `${prefix}/docs`);
        });
      }

      test('health, live and ready', async () => {
        const health = await request(adder.port, 'GET', '/pub/job/adder/0.0.2/health');
        assert.equal(health.status, 200);
        const { job_name, job_version, git_version, status, live, ready, deployment_timestamp } = health.json();
        assert.deepEqual({ job_name, job_version, git_version, status, live, ready, deployment_timestamp },
          { job_name: 'adder', job_version: '0.0.2', git_version: 'abc1234', status: 'pass', live: true, ready: true, deployment_timestamp: 1700000000 });
        assert.deepEqual((await request(adder.port, 'GET', '/live')).json(), { live: true, deployment_timestamp: 1700000000 });
        assert.deepEqual((await request(adder.port, 'GET', '/ready')).json(), { ready: true });
        assert.equal((await request(adder.port, 'HEAD', '/ready')).status, 200);
      });

      test('unknown paths, wrong methods, bad requests and a failing perform', async () => {
        const missing = await request(adder.port, 'GET', '/nope');
        assert.equal(missing.status, 404);
        assert.deepEqual(missing.json(), { error: 'not found', type: 'NotFound' });
        const wrongMethod = await request(adder.port, 'GET', '/api/v1/perform');
        assert.equal(wrongMethod.status, 405);
        assert.equal(wrongMethod.headers.allow, 'POST');
        const notJson = await post(adder.port, '/api/v1/perform', '{nope');
        assert.equal(notJson.status, 400);
        assert.equal(notJson.json().type, 'ValueError');
        assert.match(notJson.json().error, /not valid JSON/);
        const list = await post(adder.port, '/api/v1/perform', [1, 2]);
        assert.equal(list.status, 400);
        assert.equal(list.json().type, 'ValueError');
        const failing = await post(adder.port, '/pub/job/adder/0.0.2/api/v1/perform', { nums: [1] });
        assert.equal(failing.status, 500);
        assert.equal(failing.json().type, wrapper.missingNumbersType);
        assert.match(failing.json().error, /numbers/);
        assert.equal((await post(adder.port, '/api/v1/perform', { numbers: [1, 2] })).json(), 3);
      });

      test('keep-alive: pipelined requests on one connection, each answered with Content-Length', async () => {
        const body = '{"numbers": [1, 2]}';
        const one = `POST /api/v1/perform HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
        const raw = await new Promise<string>((resolve, reject) => {
          const socket = connect(adder.port, '127.0.0.1', () => socket.write(one + one));
          let data = '';
          socket.on('data', (d) => {
            data += d.toString();
            if (data.split(/HTTP\/1\.1 200 OK/).length === 3 && data.endsWith('3')) { socket.end(); resolve(data); }
          });
          socket.on('error', reject);
        });
        assert.equal(raw.match(/Content-Length: 1\r\n/gi)?.length, 2);
        assert.doesNotMatch(raw, /Connection: close/i);
      });

      test('metrics count calls per endpoint and status, and the access log has a line per call', async () => {
        await post(adder.port, '/api/v1/perform', { numbers: [1] });
        await post(adder.port, '/api/v1/perform', {});
        const metrics = await request(adder.port, 'GET', '/metrics');
        assert.equal(metrics.status, 200);
        assert.match(metrics.headers['content-type']!, /^text\/plain/);
        assert.match(metrics.text, /^requests_started_total [1-9]\d*\.0$/m);
        assert.match(metrics.text, /^requests_done_total [1-9]\d*\.0$/m);
        assert.match(metrics.text, /^endpoint_requests_started_total\{endpoint="\/perform"\} \d+\.0$/m);
        assert.match(metrics.text, /^request_duration_bucket\{endpoint="\/perform",le="\+Inf"\} [1-9]\d*$/m);
        assert.match(metrics.text, /^request_duration_count\{endpoint="\/perform"\} [1-9]\d*$/m);
        assert.match(metrics.text, /^http_requests_total\{method="POST",route="\/api\/v1\/perform",status="200"\} \d+\.0$/m);
        assert.match(metrics.text, /^http_requests_total\{method="POST",route="\/api\/v1\/perform",status="400"\} \d+\.0$/m);
        assert.match(metrics.text, /^http_requests_total\{method="GET",route="unmatched",status="404"\} \d+\.0$/m);
        assert.match(metrics.text, /^request_internal_errors_total\{endpoint="\/perform"\} [1-9]\d*\.0$/m);
        assert.match(metrics.text, /^last_call_timestamp \d+\.\d+$/m);
        // the access log is written in batches
        await eventually(async () => /^POST \/api\/v1\/perform 200 \d+\.\dms$/m.test(adder.stdout()), 5000);
        assert.doesNotMatch(adder.stdout(), /\/metrics/);
      });
    });

    describe('the probe job', () => {
      test('a panic in perform answers 500 and the job keeps serving', async () => {
        const probe = await start(wrapper.probeBinary(), { JOB_NAME: 'probe', JOB_VERSION: '1.0.0' });
        const panicked = await post(probe.port, '/api/v1/perform', { panic: true });
        assert.equal(panicked.status, 500);
        assert.deepEqual(panicked.json(), { error: 'panic on purpose', type: wrapper.panicType });
        assert.deepEqual((await post(probe.port, '/api/v1/perform', { hello: 'wörld' })).json(), { hello: 'wörld' });
        // stderr travels through a pipe of its own: the log line may arrive just after the answer
        await eventually(async () => /panic on purpose/.test(probe.stderr()), 5000);
      });

      test('slow calls, more than there are cores, hold no other: /live answers before any of them, and each is answered', async () => {
        const probe = await start(wrapper.probeBinary(), { JOB_NAME: 'probe', JOB_VERSION: '1.0.0' });
        const slow = Array.from({ length: availableParallelism() + 2 }, () => post(probe.port, '/api/v1/perform', { sleep: 1 }));
        await new Promise((r) => setTimeout(r, 200));
        const first = await Promise.race([request(probe.port, 'GET', '/live').then((r) => `live ${r.status}`), ...slow.map((call) => call.then(() => 'a slow call'))]);
        assert.equal(first, 'live 200');
        for (const reply of await Promise.all(slow)) assert.deepEqual(reply.json(), { slept: 1 });
      });

      test('SIGTERM: a call in flight is answered, new connections are refused, then the process exits 0', async () => {
        const probe = await start(wrapper.probeBinary(), { JOB_NAME: 'probe', JOB_VERSION: '1.0.0' });
        const inFlight = post(probe.port, '/api/v1/perform', { sleep: 1 });
        await new Promise((r) => setTimeout(r, 300));
        probe.proc.kill('SIGTERM');
        await eventually(() => request(probe.port, 'GET', '/live').then(() => false, (e: Error) => /ECONNREFUSED/.test(e.message)), 5000);
        const reply = await inFlight;
        assert.equal(reply.status, 200);
        assert.deepEqual(reply.json(), { slept: 1 });
        assert.equal(await probe.exited, 0);
      });

      test('SIGTERM while idle ends the process at once with 0', async () => {
        const probe = await start(wrapper.probeBinary(), { JOB_NAME: 'probe', JOB_VERSION: '1.0.0' });
        assert.equal((await request(probe.port, 'GET', '/ready')).status, 200);
        probe.proc.kill('SIGTERM');
        assert.equal(await probe.exited, 0);
      });
    });
  });
}
