// The gateway in front of a server that knows nothing of Racetrack (docker-proxy), against a real replica: path
// mapping in forward and rewrite mode, redirects back under the base URL, the probes and metrics the platform answers,
// and the caller's token never reaching the job.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { createGateway, type Gateway } from './gateway.js';
import { InMemoryAsyncTaskStore } from './in-memory-async-task-store.js';
import { RouteTable } from './route-table.js';
import type { CallAuthorizer, RouteVersion } from './types.js';

/** What the replica saw of one request. */
interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

const TOKEN = 'alice-token';
const authorizer: CallAuthorizer = {
  authorizeCall: (token) => (token === TOKEN ? { ok: true, caller: { kind: 'user', name: 'alice@example.com' } } : { ok: false, status: 401, error: token ? 'unknown token' : 'missing token' }),
};

let replica: http.Server;
let front: http.Server;
let gateway: Gateway;
let base: string;
const seen: Seen[] = [];

/** A plain server with its own idea of paths: it redirects /old to /new, and echoes the rest. */
async function startReplica(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    if (req.url === '/old') return void res.writeHead(302, { location: '/new?from=old' }).end();
    if (req.url === '/absolute') return void res.writeHead(301, { location: `http://${req.headers.host}/elsewhere` }).end();
    if (req.url === '/live') return void res.writeHead(500).end('the job has no /live of its own');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url }));
  });
  new WebSocketServer({ server }).on('connection', (ws, req) => ws.on('message', (m) => ws.send(`${req.url} ${m}`)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

before(async () => {
  replica = await startReplica();
  const upstream = `127.0.0.1:${(replica.address() as AddressInfo).port}`;
  const route = (name: string, proxyMode: RouteVersion['proxyMode']): RouteVersion =>
    ({ name, version: '1.0.0', status: 'running', upstreams: [upstream], publicEndpoints: [], promoted: true, proxyMode });
  const routes = new RouteTable();
  routes.replaceAll([route('fwd', 'forward'), route('rw', 'rewrite')]);
  gateway = createGateway({ routes, authorizer, authRequired: true, asyncTasks: new InMemoryAsyncTaskStore(), asyncPollTimeoutMs: 5_000 });
  front = http.createServer((req, res) => gateway.handleRequest(req, res));
  front.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  base = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
});

after(async () => {
  await gateway.close();
  for (const s of [front, replica]) s.closeAllConnections();
  await Promise.all([front, replica].map((s) => new Promise((r) => s.close(r))));
});

async function call(path: string, init: { method?: string; token?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== null) headers['x-racetrack-auth'] = init.token ?? TOKEN;
  const res = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** the last request the replica saw, after `fn` */
async function reaching(fn: () => Promise<unknown>): Promise<Seen | undefined> {
  const before = seen.length;
  await fn();
  return seen.length > before ? seen.at(-1) : undefined;
}

describe('forward mode', () => {
  test('/api/v1/X reaches the job as /X, with its query string', async () => {
    const r = await call('/pub/job/fwd/1.0.0/api/v1/perform/sum?a=1&b=two%20words');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { url: '/perform/sum?a=1&b=two%20words' });
    assert.equal((await call('/pub/job/fwd/latest/api/v1/')).text, JSON.stringify({ url: '/' }));
  });

  test('nothing else reaches the job: 404 from the platform', async () => {
    for (const path of ['/', '/perform', '/api/v1', '/api/v2/perform', '/docs']) {
      const seenBy = await reaching(async () => {
        const r = await call(`/pub/job/fwd/1.0.0${path}`);
        assert.equal(r.status, 404, path);
        assert.match(JSON.parse(r.text).error, /passes only \/pub\/job\/fwd\/1\.0\.0\/api\/v1\/… to its server/);
      });
      assert.equal(seenBy, undefined, path);
    }
  });

  test('a redirect to a root path comes back under /api/v1, where that path is public', async () => {
    const r = await call('/pub/job/fwd/1.0.0/api/v1/old');
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/pub/job/fwd/1.0.0/api/v1/new?from=old');
  });

  test('the job is told the prefix it was trimmed of', async () => {
    const s = await reaching(() => call('/pub/job/fwd/1.0.0/api/v1/x'));
    assert.equal(s!.headers['x-forwarded-prefix'], '/pub/job/fwd/1.0.0/api/v1');
  });
});

describe('rewrite mode', () => {
  test('every path below the base URL reaches the job with the prefix trimmed', async () => {
    for (const [path, expected] of [['', '/'], ['/', '/'], ['?q=1', '/?q=1'], ['/a/b?c=d&e', '/a/b?c=d&e'], ['/api/v1/perform', '/api/v1/perform']]) {
      const r = await call(`/pub/job/rw/1.0.0${path}`);
      assert.equal(r.status, 200, path);
      assert.deepEqual(JSON.parse(r.text), { url: expected }, path);
    }
  });

  test('Location headers are rewritten back under the prefix: root paths and the replica\'s own address', async () => {
    assert.equal((await call('/pub/job/rw/1.0.0/old')).headers.get('location'), '/pub/job/rw/1.0.0/new?from=old');
    assert.equal((await call('/pub/job/rw/1.0.0/absolute')).headers.get('location'), '/pub/job/rw/1.0.0/elsewhere');
  });

  test('the job is told the prefix it was trimmed of', async () => {
    const s = await reaching(() => call('/pub/job/rw/1.0.0/x'));
    assert.equal(s!.headers['x-forwarded-prefix'], '/pub/job/rw/1.0.0');
  });

  test('a WebSocket upgrade reaches the job at the mapped path', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/pub/job/rw/1.0.0/socket?x=1`, { headers: { 'x-racetrack-auth': TOKEN } });
    await once(ws, 'open');
    ws.send('hi');
    const [message] = await once(ws, 'message');
    assert.equal(String(message), '/socket?x=1 hi');
    ws.close();
  });

  test('an async call reaches the job at the mapped path', async () => {
    const created = await fetch(`${base}/pub/async/new/job/rw/1.0.0/work?n=2`, { method: 'POST', headers: { 'x-racetrack-auth': TOKEN } });
    assert.equal(created.status, 201);
    const { task_id: id } = await created.json() as { task_id: string };
    const polled = await fetch(`${base}/pub/async/task/${id}/poll`, { headers: { 'x-racetrack-auth': TOKEN } });
    assert.equal(polled.status, 200);
    assert.deepEqual(await polled.json(), { url: '/work?n=2' });
  });
});

describe('what the platform answers for a proxied job', () => {
  for (const job of ['fwd', 'rw']) {
    test(`${job}: /live, /ready, /health without a token, for GET and HEAD; the job sees none of them`, async () => {
      const seenBy = await reaching(async () => {
        assert.deepEqual(JSON.parse((await call(`/pub/job/${job}/1.0.0/live`, { token: null })).text), { live: true });
        assert.deepEqual(JSON.parse((await call(`/pub/job/${job}/1.0.0/ready`, { token: null })).text), { ready: true });
        const health = JSON.parse((await call(`/pub/job/${job}/latest/health`, { token: null })).text) as Record<string, unknown>;
        assert.equal(health.job_name, job);
        assert.equal(health.job_version, '1.0.0');
        assert.equal(health.status, 'pass');
        assert.equal(health.live, true);
        assert.equal(health.ready, true);
        const head = await call(`/pub/job/${job}/1.0.0/health`, { method: 'HEAD', token: null });
        assert.equal(head.status, 200);
        assert.equal(head.text, '');
      });
      assert.equal(seenBy, undefined);
    });

    test(`${job}: a probe path is open to GET and HEAD only: other methods need a token, and get 405 with one`, async () => {
      assert.equal((await call(`/pub/job/${job}/1.0.0/health`, { method: 'POST', token: null })).status, 401);
      const post = await call(`/pub/job/${job}/1.0.0/live`, { method: 'POST' });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET, HEAD');
      const created = await fetch(`${base}/pub/async/new/job/${job}/1.0.0/ready`, { method: 'POST', headers: { 'x-racetrack-auth': TOKEN } });
      assert.equal(created.status, 405);
    });

    test(`${job}: /metrics needs a token and gives this version's series in Prometheus text`, async () => {
      assert.equal((await call(`/pub/job/${job}/1.0.0/metrics`, { token: null })).status, 401);
      const r = await call(`/pub/job/${job}/1.0.0/metrics`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
      assert.match(r.text, new RegExp(`^racetrack_pub_requests_total\\{job="${job}",version="1\\.0\\.0",status="200"\\} \\d+$`, 'm'));
      const other = job === 'fwd' ? 'rw' : 'fwd';
      assert.doesNotMatch(r.text, new RegExp(`job="${other}"`));
    });
  }

  test('a WebSocket upgrade of a probe path is refused: a tunnel is no probe', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/pub/job/rw/1.0.0/live`, { headers: { 'x-racetrack-auth': TOKEN } });
    const [, res] = await once(ws, 'unexpected-response') as [unknown, http.IncomingMessage];
    assert.equal(res.statusCode, 405);
    ws.on('error', () => {}); // closing before it opened is what this test wants
    ws.terminate();
  });
});

test('the caller\'s token never reaches the job, as a header or a cookie', async () => {
  const s = await reaching(() => call('/pub/job/rw/1.0.0/echo', { headers: { cookie: `theme=dark; X-Racetrack-Auth=${TOKEN}` } }));
  assert.equal(s!.headers['x-racetrack-auth'], undefined);
  assert.equal(s!.headers.cookie, 'theme=dark');
  assert.ok(!JSON.stringify(s!.headers).includes(TOKEN));
  assert.equal(s!.headers['x-caller-name'], 'alice@example.com');
});
