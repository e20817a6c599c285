// The gateway through the real server: version resolution, every auth case, error statuses, tracing
// headers, zero-downtime switches under a bounded request loop, async calls across restarts, metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { callJob, commitAll, makeJobRepo, pushSsh, startTestServer, writeFile, type TestServer } from '../harness.js';
import { RawClient, statusOf } from '../raw-http.js';

/** A job that tells what it saw: its version, the path prefix, the tracing and caller headers. */
const JOB_PY = (tag: string) => [
  'import os, time',
  'from racetrack_job_wrapper.context import current_request',
  '',
  'class Probe:',
  '    def __init__(self):',
  "        time.sleep(float(os.environ.get('INIT_SECONDS', '0')))",
  '',
  '    def perform(self, **kwargs):',
  '        req = current_request.get()',
  '        return {',
  `            'tag': ${JSON.stringify(tag)},`,
  "            'version': os.environ.get('JOB_VERSION'),",
  "            'prefix': req.prefix,",
  "            'path': req.path,",
  "            'caller': req.headers.get('x-caller-name'),",
  "            'tracing': req.headers.get('x-request-tracing-id'),",
  '        }',
  '',
  '    def auxiliary_endpoints(self):',
  "        return {'/add': self.add, '/sleep': self.sleep, '/die': self.die, '/unlisten': self.unlisten}",
  '',
  '    def add(self, numbers):',
  '        return sum(numbers)',
  '',
  '    def sleep(self, seconds=1):',
  '        time.sleep(seconds)',
  "        return 'slept'",
  '',
  '    def die(self):',
  '        os._exit(3)',
  '',
  '    def unlisten(self):',
  '        # same pid, but the listening socket (close-on-exec) is gone: connections are refused',
  "        os.execv('/bin/sleep', ['sleep', '120'])",
  '',
].join('\n');

function jobFiles(name: string, version: string, opts: { tag?: string; initSeconds?: number; publicEndpoints?: string[] } = {}) {
  const yaml = [
    `name: ${name}`, 'jobtype: python3', `version: ${version}`,
    'jobtype_extra:', '  entrypoint_path: probe.py',
    'runtime_env:', `  INIT_SECONDS: '${opts.initSeconds ?? 0}'`,
    ...(opts.publicEndpoints ? ['public_endpoints:', ...opts.publicEndpoints.map((p) => `  - ${p}`)] : []),
    '',
  ].join('\n');
  return { 'job.yaml': yaml, 'probe.py': JOB_PY(opts.tag ?? version) };
}

interface Seen { tag: string; version: string; prefix: string; path: string; caller: string | null; tracing: string | null }
interface ErrorBody { error: string; job_name: string | null; job_version: string | null; request_id: string | null }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deploy(server: TestServer, files: Record<string, string>, name: string): Promise<void> {
  const r = await pushSsh(server, await makeJobRepo(files), name);
  assert.equal(r.code, 0, r.stderr);
}

/** Writes the job files into the repo, commits, pushes; returns the push result. */
async function repush(server: TestServer, repo: string, name: string, files: Record<string, string>, extra: string[] = []) {
  for (const [path, text] of Object.entries(files)) writeFile(repo, path, text);
  await commitAll(repo, `${name} ${files['job.yaml']!.match(/version: (\S+)/)![1]}`);
  return pushSsh(server, repo, name, extra);
}

const perform = (server: TestServer, path: string, init: Parameters<typeof callJob>[2] = {}) =>
  callJob(server, `/pub/job/${path}`, { body: {}, ...init });

async function deploys(server: TestServer, name: string) {
  return JSON.parse((await server.ssh(`deploys list ${name} --json`)).stdout) as { status: string; phase: string }[];
}

async function waitForPhase(server: TestServer, name: string, phase: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [d] = await deploys(server, name);
    if (d?.status === 'in_progress' && d.phase === phase) return;
    await sleep(50);
  }
  throw new Error(`the deploy of ${name} never reached phase ${phase}`);
}

/** The JSON error shape; request_id is the tracing id echoed in the header (async task answers name the task instead). */
function assertErrorBody(res: { status: number; json: unknown; headers: Headers }, status: number, job: string | null, version: string | null, requestId?: string): ErrorBody {
  assert.equal(res.status, status, JSON.stringify(res.json));
  const body = res.json as ErrorBody;
  assert.equal(typeof body.error, 'string');
  assert.ok(body.error.length > 0);
  assert.equal(body.job_name, job);
  assert.equal(body.job_version, version);
  assert.equal(typeof body.request_id, 'string');
  assert.equal(body.request_id, requestId ?? res.headers.get('x-request-tracing-id'));
  return body;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('gateway end to end', () => {
  let server: TestServer;
  let openServer: TestServer;
  let verRepo: string;

  before(async () => {
    // Everything independent deploys in parallel; the three versions of `ver` go one after another.
    const versions = async () => {
      verRepo = await makeJobRepo(jobFiles('ver', '1.0.0'));
      assert.equal((await pushSsh(server, verRepo, 'ver')).code, 0);
      for (const v of ['1.2.0', '2.0.0-beta']) {
        const r = await repush(server, verRepo, 'ver', jobFiles('ver', v));
        assert.equal(r.code, 0, r.stderr);
      }
    };
    const authOff = async () => {
      openServer = await startTestServer({ env: { RACETRACK_AUTH_REQUIRED: 'false' } });
      await deploy(openServer, jobFiles('anyone', '1.0.0'), 'anyone');
    };
    server = await startTestServer();
    await Promise.all([
      versions(),
      deploy(server, jobFiles('open', '1.0.0', { publicEndpoints: ['/api/v1/perform'] }), 'open'),
      deploy(server, jobFiles('flaky', '1.0.0', { initSeconds: 2 }), 'flaky'),
      deploy(server, jobFiles('gone', '1.0.0'), 'gone'),
      authOff(),
    ]);
  });

  after(async () => {
    await Promise.all([server?.cleanup(), openServer?.cleanup()]);
  });

  test('version resolution: latest, x-patterns, exact pre-release, header pin; the job sees the resolved path', async () => {
    const expect = async (spec: string, version: string, headers?: Record<string, string>) => {
      const r = await perform(server, `ver/${spec}/api/v1/perform`, { headers });
      assert.equal(r.status, 200, `${spec}: ${r.text}`);
      const seen = r.json as Seen;
      assert.equal(seen.version, version, `${spec} ${JSON.stringify(headers ?? {})}`);
      assert.equal(seen.prefix, `/pub/job/ver/${version}`);
      assert.equal(seen.path, '/api/v1/perform');
    };
    await expect('latest', '1.2.0');
    await expect('1.x', '1.2.0');
    await expect('1.x.x', '1.2.0');
    await expect('1.2.x', '1.2.0');
    await expect('1.0.x', '1.0.0');
    await expect('1.0.0', '1.0.0');
    await expect('2.0.0-beta', '2.0.0-beta');
    await expect('latest', '1.0.0', { 'X-Racetrack-Version': '1.0.0' });
    await expect('latest', '2.0.0-beta', { 'X-Racetrack-Version': '2.0.0-beta' });
    await expect('1.2.0', '1.2.0', { 'X-Racetrack-Version': '1.0.0' }); // a pin only changes what latest means

    assertErrorBody(await perform(server, 'ver/2.x/api/v1/perform'), 404, 'ver', '2.x');
    assertErrorBody(await perform(server, 'ver/2.0.x/api/v1/perform'), 404, 'ver', '2.0.x');
    assertErrorBody(await perform(server, 'ver/3.0.0/api/v1/perform'), 404, 'ver', '3.0.0');
    assertErrorBody(await perform(server, 'ver/1.x.2/api/v1/perform'), 400, 'ver', '1.x.2');
    assertErrorBody(await perform(server, 'ver/latest/api/v1/perform', { headers: { 'X-Racetrack-Version': '9.9.9' } }), 404, 'ver', '9.9.9');
    assertErrorBody(await perform(server, 'nosuch/latest/api/v1/perform'), 404, 'nosuch', 'latest');
  });

  test('auth: 401 without or with an unknown token, cookie works, /health /live /ready are open', async () => {
    assertErrorBody(await perform(server, 'ver/latest/api/v1/perform', { token: null }), 401, 'ver', '1.2.0');
    assertErrorBody(await perform(server, 'ver/latest/api/v1/perform', { token: 'rt_not_a_token' }), 401, 'ver', '1.2.0');
    const cookie = await perform(server, 'ver/latest/api/v1/perform', { token: null, headers: { cookie: `theme=dark; X-Racetrack-Auth=${server.token}` } });
    assert.equal(cookie.status, 200, cookie.text);
    const badCookie = await perform(server, 'ver/latest/api/v1/perform', { token: null, headers: { cookie: 'X-Racetrack-Auth=rt_nope' } });
    assertErrorBody(badCookie, 401, 'ver', '1.2.0');
    for (const probe of ['/health', '/live', '/ready']) {
      const r = await callJob(server, `/pub/job/ver/latest${probe}`, { token: null });
      assert.equal(r.status, 200, `${probe}: ${r.text}`);
    }
  });

  test('auth: public_endpoints open perform only; other paths still need a token', async () => {
    const r = await perform(server, 'open/latest/api/v1/perform', { token: null, headers: { 'X-Caller-Name': 'someone' } });
    assert.equal(r.status, 200, r.text);
    assert.equal((r.json as Seen).caller, null, 'a caller name the client claims never reaches the job (issue 10, finding 9)');
    assertErrorBody(await callJob(server, '/pub/job/open/latest/api/v1/parameters', { token: null }), 401, 'open', '1.0.0');
    assertErrorBody(await perform(server, 'open/latest/api/v1/add', { token: null, body: { numbers: [1] } }), 401, 'open', '1.0.0');
    assertErrorBody(await perform(server, 'open/latest/api/v1/performx', { token: null }), 401, 'open', '1.0.0');
    assertErrorBody(await perform(server, 'open/latest/api/v1/perfor%6d', { token: null }), 401, 'open', '1.0.0');
    assert.equal((await callJob(server, '/pub/job/open/latest/api/v1/parameters')).status, 200);
  });

  test('auth: an ESC gets 403 until granted, is named to the job, and loses access on revoke at once', async () => {
    assert.equal((await server.ssh('esc create ci')).code, 0);
    const esc = JSON.parse((await server.ssh('esc token ci --json')).stdout) as { token: string };
    assertErrorBody(await perform(server, 'ver/latest/api/v1/perform', { token: esc.token }), 403, 'ver', '1.2.0');
    assert.equal((await server.ssh('grant esc:ci ver call_job')).code, 0);
    const ok = await perform(server, 'ver/latest/api/v1/perform', { token: esc.token, headers: { 'X-Caller-Name': 'spoofed' } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((ok.json as Seen).caller, 'ci', 'the job sees the authenticated caller, not a claimed one');
    assertErrorBody(await perform(server, 'open/latest/api/v1/add', { token: esc.token, body: { numbers: [1] } }), 403, 'open', '1.0.0');
    assert.equal((await server.ssh('revoke esc:ci ver call_job')).code, 0);
    assertErrorBody(await perform(server, 'ver/latest/api/v1/perform', { token: esc.token }), 403, 'ver', '1.2.0');
  });

  test('auth: an upgrade is a call (issue 10, finding 1): a probe needs a token for it, and an answer other than 101 opens no tunnel', async () => {
    const address = new URL(server.httpUrl).host;
    const upgrade = (path: string, token?: string) =>
      `GET /pub/job/${path} HTTP/1.1\r\nHost: ${address}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${token ? `X-Racetrack-Auth: ${token}\r\n` : ''}\r\n`;
    const body = '{"numbers":[40,2]}';
    // written right behind the handshake, as if a tunnel were open: a token-less call to a private endpoint
    const sneaked = `POST /pub/job/ver/latest/api/v1/add HTTP/1.1\r\nHost: ${address}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

    const anonymous = await RawClient.open(address);
    anonymous.write(upgrade('ver/latest/health') + sneaked, ['GET', 'POST']);
    const refused = await anonymous.responses(2);
    assert.deepEqual(refused.map(statusOf), [401]);

    for (const [path, token] of [['ver/latest/health', server.token], ['open/latest/api/v1/perform', undefined]] as const) {
      const client = await RawClient.open(address);
      client.write(upgrade(path, token) + sneaked, ['GET', 'POST']);
      const [first] = await client.responses(1);
      assert.notEqual(statusOf(first!), 101, path);
      client.write(sneaked, ['POST']);
      const all = await client.responses(3);
      assert.equal(all.length, 1, `${path}: one answer, then the connection closes; got ${all.map((m) => m.startLine)}`);
      assert.ok(client.closed);
    }
  });

  test('async calls need a token even on public endpoints and probes (issue 10, finding 6)', async () => {
    for (const path of ['open/latest/api/v1/perform', 'ver/latest/health']) {
      const r = await callJob(server, `/pub/async/new/job/${path}`, { token: null, body: {} });
      assert.equal(r.status, 401, `${path}: ${r.text}`);
    }
    const ok = await callJob(server, '/pub/async/new/job/open/latest/api/v1/perform', { body: {} });
    assert.equal(ok.status, 201, ok.text);
  });

  test('auth: a revoked token is refused on the very next request', async () => {
    const created = JSON.parse((await server.ssh('tokens create probe --json')).stdout) as { id: number; token: string };
    assert.equal((await perform(server, 'ver/latest/api/v1/perform', { token: created.token })).status, 200);
    assert.equal((await server.ssh(`tokens revoke ${created.id}`)).code, 0);
    assertErrorBody(await perform(server, 'ver/latest/api/v1/perform', { token: created.token }), 401, 'ver', '1.2.0');
  });

  test('auth: with RACETRACK_AUTH_REQUIRED=false anyone may call', async () => {
    const anon = await perform(openServer, 'anyone/latest/api/v1/perform', { token: null });
    assert.equal(anon.status, 200, anon.text);
    const junk = await perform(openServer, 'anyone/latest/api/v1/add', { token: 'rt_junk', body: { numbers: [40, 2] } });
    assert.equal(junk.status, 200, junk.text);
    assert.equal(junk.json, 42);
  });

  test('tracing: X-Request-Tracing-Id is generated and echoed, or passed through; the job sees it', async () => {
    const gen = await perform(server, 'ver/latest/api/v1/perform');
    const id = gen.headers.get('x-request-tracing-id');
    assert.match(id ?? '', UUID);
    assert.equal((gen.json as Seen).tracing, id);
    const given = await perform(server, 'ver/latest/api/v1/perform', { headers: { 'X-Request-Tracing-Id': 'trace-me-123' } });
    assert.equal(given.headers.get('x-request-tracing-id'), 'trace-me-123');
    assert.equal((given.json as Seen).tracing, 'trace-me-123');
    assert.equal((given.json as Seen).caller, 'admin@racetrack.local');
    const refused = await perform(server, 'ver/latest/api/v1/perform', { token: null, headers: { 'X-Request-Tracing-Id': 'trace-refused' } });
    assert.equal(refused.headers.get('x-request-tracing-id'), 'trace-refused');
    assert.equal((refused.json as ErrorBody).request_id, 'trace-refused');
  });

  test('503 with Retry-After while a crashed replica restarts through a slow __init__', async (t) => {
    assert.equal((await perform(server, 'flaky/1.0.0/api/v1/perform')).status, 200);
    await perform(server, 'flaky/1.0.0/api/v1/die').catch(() => undefined); // the process exits mid-call
    let starting: Awaited<ReturnType<typeof perform>> | undefined;
    const seen: number[] = [];
    for (let i = 0; i < 100 && !starting; i++) {
      const r = await perform(server, 'flaky/1.0.0/api/v1/perform');
      seen.push(r.status);
      if (r.status === 503) starting = r;
      else await sleep(20);
    }
    assert.ok(starting, `no 503 while restarting; saw ${seen.join(',')}`);
    assertErrorBody(starting, 503, 'flaky', '1.0.0');
    assert.ok(Number(starting.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
    // latest finds no ready version either, and says so the same way
    const latest = await perform(server, 'flaky/latest/api/v1/perform');
    assert.equal(latest.status, 503, latest.text);
    assert.ok(latest.headers.get('retry-after'));
    // and it serves again once __init__ is done
    let back = 0;
    for (let i = 0; i < 150 && back !== 200; i++) {
      back = (await perform(server, 'flaky/1.0.0/api/v1/perform')).status;
      if (back !== 200) await sleep(100);
    }
    assert.equal(back, 200);
    t.diagnostic(`statuses while the replica restarted: ${seen.join(',')}`);
  });

  test('502 when the job process no longer accepts connections', async () => {
    assert.equal((await perform(server, 'gone/1.0.0/api/v1/perform')).status, 200);
    await perform(server, 'gone/1.0.0/api/v1/unlisten').catch(() => undefined);
    let r = await perform(server, 'gone/1.0.0/api/v1/perform');
    for (let i = 0; i < 30 && r.status !== 502; i++) {
      await sleep(100);
      r = await perform(server, 'gone/1.0.0/api/v1/perform');
    }
    assertErrorBody(r, 502, 'gone', '1.0.0');
    assertErrorBody(await perform(server, 'gone/latest/api/v1/perform'), 502, 'gone', '1.0.0');
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(metrics, /racetrack_pub_proxy_errors_total\{job="gone",version="1\.0\.0",reason="[^"]+"\} [1-9]/);
    assert.match(metrics, /racetrack_pub_requests_total\{job="gone",version="1\.0\.0",status="502"\} [1-9]/);
    assert.equal((await server.ssh('jobs delete gone 1.0.0')).code, 0);
  });

  test('/metrics counts calls per job, version and status, and auth failures', async () => {
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const count = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? 0);
    assert.ok(count(/racetrack_pub_requests_total\{job="ver",version="1\.2\.0",status="200"\} (\d+)/) >= 5);
    assert.ok(count(/racetrack_pub_requests_total\{job="ver",version="1\.0\.0",status="200"\} (\d+)/) >= 2);
    assert.ok(count(/racetrack_pub_requests_total\{job="ver",version="2\.0\.0-beta",status="200"\} (\d+)/) >= 2);
    assert.ok(count(/racetrack_pub_requests_total\{job="ver",version="1\.2\.0",status="401"\} (\d+)/) >= 3);
    assert.ok(count(/racetrack_pub_requests_total\{job="flaky",version="1\.0\.0",status="503"\} (\d+)/) >= 1);
    assert.ok(count(/racetrack_pub_auth_failures_total\{job="ver",status="401"\} (\d+)/) >= 4);
    assert.ok(count(/racetrack_pub_auth_failures_total\{job="ver",status="403"\} (\d+)/) >= 2);
    assert.ok(count(/racetrack_pub_auth_failures_total\{job="open",status="401"\} (\d+)/) >= 3);
    assert.match(metrics, /racetrack_pub_request_duration_seconds_count\{job="ver",version="1\.2\.0"\} \d+/);
  });

  test('zero downtime: a request loop on latest sees no error through a new version and a forced re-push', async (t) => {
    const repo = await makeJobRepo(jobFiles('zd', '1.0.0', { tag: 'first' }));
    assert.equal((await pushSsh(server, repo, 'zd')).code, 0);

    // bounded both ways; the loop is stopped as soon as both pushes are through
    const MAX_REQUESTS = 20_000;
    const DEADLINE = Date.now() + 20_000;
    const WORKERS = 4;
    let stop = false;
    let requests = 0;
    const errors: string[] = [];
    const tags = new Map<string, number>();
    const worker = async () => {
      while (!stop && requests < MAX_REQUESTS && Date.now() < DEADLINE) {
        requests++;
        try {
          const r = await perform(server, 'zd/latest/api/v1/perform');
          if (r.status !== 200) errors.push(`${r.status} ${r.text.slice(0, 200)}`);
          else {
            const key = `${(r.json as Seen).version}/${(r.json as Seen).tag}`;
            tags.set(key, (tags.get(key) ?? 0) + 1);
          }
        } catch (e) {
          errors.push(`fetch: ${(e as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, worker));
    const started = Date.now();

    // a new version, whose health wait takes a second: latest keeps answering from 1.0.0 meanwhile
    const push1 = repush(server, repo, 'zd', jobFiles('zd', '1.0.1', { tag: 'second', initSeconds: 1 }));
    await waitForPhase(server, 'zd', 'health');
    const during = await perform(server, 'zd/1.0.1/api/v1/perform');
    const duringLatest = await perform(server, 'zd/latest/api/v1/perform');
    const r1 = await push1;
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(((await perform(server, 'zd/latest/api/v1/perform')).json as Seen).tag, 'second');

    // the same version again from another commit, forced: replaced in place
    const r2 = await repush(server, repo, 'zd', jobFiles('zd', '1.0.1', { tag: 'third', initSeconds: 1 }), ['-o', 'force']);
    assert.equal(r2.code, 0, r2.stderr);
    await sleep(300); // let the loop run past the switch
    stop = true;
    await load;
    const seconds = (Date.now() - started) / 1000;

    t.diagnostic(`zero-downtime loop: ${requests} requests in ${seconds.toFixed(1)} s with ${WORKERS} workers, ${errors.length} errors; served ${JSON.stringify(Object.fromEntries(tags))}`);
    t.diagnostic(`exact call to 1.0.1 during its first health wait: ${during.status}; latest meanwhile: ${duringLatest.status} ${(duringLatest.json as Seen | undefined)?.version}`);
    assert.deepEqual(errors.slice(0, 5), [], `${errors.length} errors of ${requests}`);
    assert.ok(requests >= 100, `the loop ran (${requests} requests)`);
    assert.ok(tags.has('1.0.0/first') && tags.has('1.0.1/second') && tags.has('1.0.1/third'), 'the loop ran through both switches');
    // latest moves only after the new version is ready: during its health wait latest still served 1.0.0
    assert.equal(duringLatest.status, 200);
    assert.equal((duringLatest.json as Seen).version, '1.0.0');
    // a version being deployed for the first time answers 503 (starting) at its exact name until it is ready
    assert.equal(during.status, 503, `exact call during health: ${during.status}`);
    assert.ok(during.headers.get('retry-after'));
    assertErrorBody(during, during.status, 'zd', '1.0.1');
    const final = await perform(server, 'zd/latest/api/v1/perform');
    assert.equal((final.json as Seen).version, '1.0.1');
    assert.equal((final.json as Seen).tag, 'third');
  });

  test('zero downtime: calls in flight on the replaced instance of a force re-push finish', async (t) => {
    // zd 1.0.1 is deployed by the test above; its /sleep takes 300 ms, so some calls are always in flight
    const repo = await makeJobRepo(jobFiles('zd', '1.0.1', { tag: 'fourth' }));
    let stop = false;
    let requests = 0;
    const errors: string[] = [];
    const deadline = Date.now() + 15_000;
    const worker = async () => {
      while (!stop && requests < 500 && Date.now() < deadline) {
        requests++;
        const r = await perform(server, 'zd/latest/api/v1/sleep', { body: { seconds: 0.3 } }).catch((e: Error) => ({ status: 0, text: e.message }));
        if (r.status !== 200) errors.push(`${r.status} ${r.text.slice(0, 120)}`);
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, worker));
    await sleep(500);
    const r = await pushSsh(server, repo, 'zd', ['-f', '-o', 'force']);
    assert.equal(r.code, 0, r.stderr);
    await sleep(700);
    stop = true;
    await load;
    t.diagnostic(`slow calls through a forced re-push: ${requests} requests, ${errors.length} errors ${JSON.stringify(errors.slice(0, 2))}`);
    assert.equal(errors.length, 0);
  });

  test('async calls: 201, poll gives the job\'s answer, status, unknown task 404, a slow call long-polls', async () => {
    const created = await callJob(server, '/pub/async/new/job/ver/latest/api/v1/add', { body: { numbers: [40, 2] } });
    assert.equal(created.status, 201, created.text);
    const { task_id: id, status } = created.json as { task_id: string; status: string };
    assert.equal(status, 'ongoing');
    assert.match(id, UUID);
    const polled = await callJob(server, `/pub/async/task/${id}/poll`);
    assert.equal(polled.status, 200, polled.text);
    assert.equal(polled.json, 42);
    assert.match(polled.headers.get('content-type') ?? '', /json/);
    const st = await callJob(server, `/pub/async/task/${id}/status`);
    assert.equal(st.status, 200);
    assert.deepEqual({ ...(st.json as object), created_at: undefined, finished_at: undefined }, {
      task_id: id, status: 'done', job_name: 'ver', job_version: '1.2.0', response_status: 200, created_at: undefined, finished_at: undefined,
    });

    const slow = await callJob(server, '/pub/async/new/job/ver/1.0.0/api/v1/sleep', { body: { seconds: 1.5 } });
    assert.equal(slow.status, 201);
    const slowId = (slow.json as { task_id: string }).task_id;
    assert.equal(((await callJob(server, `/pub/async/task/${slowId}/status`)).json as { status: string }).status, 'ongoing');
    const t0 = Date.now();
    const slowPoll = await callJob(server, `/pub/async/task/${slowId}/poll`);
    assert.equal(slowPoll.status, 200, slowPoll.text);
    assert.equal(slowPoll.json, 'slept');
    assert.ok(Date.now() - t0 >= 800, 'the poll waited for the job');

    const none = '00000000-0000-0000-0000-000000000000';
    assertErrorBody(await callJob(server, `/pub/async/task/${none}/poll`), 404, null, null, none);
    assertErrorBody(await callJob(server, '/pub/async/new/job/ver/latest/api/v1/add', { token: null, body: { numbers: [1] } }), 401, 'ver', '1.2.0');
    assert.equal((await callJob(server, `/pub/async/task/${id}/poll`, { token: null })).status, 401);
  });

  test('async calls survive a restart; a call a crash interrupted is failed, not re-run', async (t) => {
    const make = async (path: string, body: unknown) => {
      const r = await callJob(server, `/pub/async/new/job/ver/latest/api/v1/${path}`, { body });
      assert.equal(r.status, 201, r.text);
      return (r.json as { task_id: string }).task_id;
    };
    const done = await make('add', { numbers: [40, 2] });
    assert.equal((await callJob(server, `/pub/async/task/${done}/poll`)).json, 42);
    const interrupted = await make('sleep', { seconds: 20 });

    // kill -9 while the second call runs, then start again on the same data dir
    const t0 = Date.now();
    await server.kill();
    server = await server.restart();
    t.diagnostic(`kill -9 → listening again in ${Date.now() - t0} ms`);

    const again = await callJob(server, `/pub/async/task/${done}/poll`);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json, 42);
    const failed = await callJob(server, `/pub/async/task/${interrupted}/poll`);
    const body = assertErrorBody(failed, 502, 'ver', '1.2.0', interrupted);
    assert.match(body.error, /interrupted by a server restart/);
    const st = (await callJob(server, `/pub/async/task/${interrupted}/status`)).json as { status: string; error: string };
    assert.equal(st.status, 'failed');

    // a graceful restart keeps them too
    server = await server.restart();
    assert.equal((await callJob(server, `/pub/async/task/${done}/poll`)).json, 42);
    assert.equal((await callJob(server, `/pub/async/task/${interrupted}/poll`)).status, 502);
  });
});
