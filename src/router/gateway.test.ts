// The gateway against real local replicas and a fake authorizer: statuses, auth, routing, proxying, async calls, metrics.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket, { WebSocketServer } from 'ws';
import { createGateway, type Gateway } from './gateway.js';
import { InMemoryAsyncTaskStore } from './in-memory-async-task-store.js';
import { RouteTable } from './route-table.js';
import type { CallAuthorizer, RouteVersion } from './types.js';

// ---- a job replica: echoes what it received, plus a few special paths

interface Echo {
  port: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

async function startReplica(): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const port = (server.address() as AddressInfo).port;
    const path = (req.url ?? '').replace(/^\/pub\/job\/[^/]+\/[^/]+/, '');
    if (path === '/redirect') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/pub/job/echo/1.0.0/target` }).end();
    } else if (path === '/redirect-root') {
      res.writeHead(302, { location: '/docs' }).end();
    } else if (path === '/stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 3; i++) {
        res.write(`chunk${i}\n`);
        await sleep(30);
      }
      res.end();
    } else if (path === '/big') {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 32; i++) if (!res.write(chunk)) await once(res, 'drain');
      res.end();
    } else if (path === '/many-headers') {
      res.writeHead(200, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-h${i}`, String(i)]))).end('many');
    } else if (path === '/endless') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('tick\n'), 5);
      res.on('close', () => {
        clearInterval(timer);
        endlessClosed = true;
      });
    } else if (path.startsWith('/slow')) {
      await sleep(150);
      res.writeHead(207, { 'content-type': 'text/plain', 'x-job': 'slow' }).end('slow answer');
    } else {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const echo: Echo = { port, method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() };
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-tracing-id': 'the-job-may-not-override-this', 'set-cookie': ['a=1', 'X-Racetrack-Auth=planted-session; Path=/', 'b=2', ' x-racetrack-auth =other', 'rt_csrf=forged; Path=/dashboard', 'rt_visitor=v'] });
      res.end(JSON.stringify(echo));
    }
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => ws.on('message', (m) => ws.send(`echo ${req.url} ${m}`)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

let endlessClosed = false;

/** An HTTP/1.0-style job: no Content-Length, the end of the body is the close of the connection. */
async function startCloseDelimitedReplica(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nuntil the end'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/**
 * A job that answers the first request on each connection with keep-alive, and closes the connection
 * without a word when a second request comes on it: a kept-alive connection dying as it is reused.
 */
async function startClosingReplica(seen: string[]): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let requests = 0;
    socket.on('data', (chunk: Buffer) => {
      const heads = chunk.toString('latin1').split('\r\n\r\n').length - 1;
      if (heads === 0) return;
      requests += heads;
      seen.push(chunk.toString('latin1').split(' ')[0]!);
      if (requests > 1) return void socket.destroy();
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 5\r\nkeep-alive: timeout=60\r\n\r\nfresh');
    });
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const addr = (s: http.Server | net.Server) => `127.0.0.1:${(s.address() as AddressInfo).port}`;

// ---- the gateway under test, mounted like the server mounts it

const authorizer: CallAuthorizer = {
  authorizeCall(token, jobName) {
    if (token === 'alice-token') return { ok: true, caller: { kind: 'user', name: 'alice@example.com' } };
    if (token === 'bob-token') return { ok: true, caller: { kind: 'user', name: 'bob@example.com' } };
    if (token === 'no-grant') return { ok: false, status: 403, error: `no call_job permission on job "${jobName}"` };
    return { ok: false, status: 401, error: token ? 'unknown token' : 'missing token' };
  },
};

let replicaA: http.Server;
let replicaB: http.Server;
let deadPort: number;
let closeDelimited: net.Server;
let closing: net.Server;
let closingPost: net.Server;
const closingSeen: string[] = [];
const closingPostSeen: string[] = [];
let routes: RouteTable;
let gateway: Gateway;
let front: http.Server;
let base: string;
const calls: string[] = [];
const wakes: string[] = [];

function route(name: string, version: string, upstreams: string[], over: Partial<RouteVersion> = {}): RouteVersion {
  return { name, version, status: 'running', upstreams, publicEndpoints: [], promoted: true, ...over };
}

before(async () => {
  replicaA = await startReplica();
  replicaB = await startReplica();
  const dead = http.createServer().listen(0, '127.0.0.1');
  await once(dead, 'listening');
  deadPort = (dead.address() as AddressInfo).port;
  await new Promise((r) => dead.close(r));

  closeDelimited = await startCloseDelimitedReplica();
  closing = await startClosingReplica(closingSeen);
  closingPost = await startClosingReplica(closingPostSeen);
  routes = new RouteTable();
  routes.replaceAll([
    route('echo', '1.0.0', [addr(replicaA)], { publicEndpoints: ['/api/v1/open', '/static/'] }),
    route('echo', '1.1.0', [addr(replicaA)]),
    route('echo', '2.0.0', [addr(replicaA)], { promoted: false }),
    route('echo', '3.0.0-rc.1', [addr(replicaA)]),
    route('echo', '1.2.0', [addr(replicaA)], { status: 'starting' }),
    route('pair', '1.0.0', [addr(replicaA), addr(replicaB)]),
    route('halfdead', '1.0.0', [`127.0.0.1:${deadPort}`, addr(replicaB)]),
    route('dead', '1.0.0', [`127.0.0.1:${deadPort}`]),
    route('old', '1.0.0', [addr(closeDelimited)]),
    route('closing', '1.0.0', [addr(closing)]),
    route('closing', '2.0.0', [addr(closingPost)]),
    route('booting', '0.1.0', [addr(replicaA)], { status: 'starting', promoted: false }),
    route('sleepy', '1.0.0', [], { status: 'idle' }),
    route('broken', '1.0.0', [], { status: 'idle' }),
  ]);
  gateway = createGateway({
    routes,
    authorizer,
    authRequired: true,
    asyncTasks: new InMemoryAsyncTaskStore(),
    onCall: (name, version) => {
      calls.push(`${name}@${version}`);
      return () => void calls.push(`${name}@${version} over`);
    },
    // a wake as the lifecycle does it: the version starts, then its route turns running
    wake: async (name, version) => {
      wakes.push(`${name}@${version}`);
      await sleep(50);
      if (name !== 'sleepy') throw new Error('it does not start');
      routes.upsert(route(name, version, [addr(replicaA)]));
    },
    asyncPollTimeoutMs: 1_000,
  });
  front = http.createServer((req, res) => {
    if (req.url?.startsWith('/pub/')) gateway.handleRequest(req, res);
    else res.writeHead(404).end();
  });
  front.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  base = `http://${addr(front)}`;
});

after(async () => {
  await gateway.close();
  for (const s of [front, replicaA, replicaB]) s.closeAllConnections();
  await Promise.all([front, replicaA, replicaB, closeDelimited, closing, closingPost].map((s) => new Promise((r) => s.close(r))));
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: () => any;
}

/** A raw request: the path goes out byte for byte (fetch would normalise it). */
function call(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string | (() => AsyncIterable<string>) } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = http.request({ hostname, port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body) });
      });
    });
    req.on('error', reject);
    if (typeof opts.body === 'function') {
      void (async () => {
        for await (const part of (opts.body as () => AsyncIterable<string>)()) req.write(part);
        req.end();
      })();
    } else {
      req.end(opts.body);
    }
  });
}

const auth = { 'x-racetrack-auth': 'alice-token' };

// ---- errors

test('401 without a token, 401 with an unknown one, 403 without permission', async () => {
  const none = await call('/pub/job/echo/1.0.0/api/v1/perform');
  assert.equal(none.status, 401);
  assert.deepEqual(Object.keys(none.json()).sort(), ['error', 'job_name', 'job_version', 'request_id']);
  assert.equal(none.json().job_name, 'echo');
  assert.equal(none.json().job_version, '1.0.0');
  assert.equal(none.json().request_id, none.headers['x-request-tracing-id']);
  assert.equal((await call('/pub/job/echo/1.0.0/x', { headers: { 'x-racetrack-auth': 'bogus' } })).status, 401);
  const denied = await call('/pub/job/echo/1.0.0/x', { headers: { 'x-racetrack-auth': 'no-grant' } });
  assert.equal(denied.status, 403);
  assert.match(denied.json().error, /call_job/);
});

test('404 for an unknown job or version, 400 for malformed names and versions', async () => {
  const job = await call('/pub/job/nojob/latest/x', { headers: auth });
  assert.equal(job.status, 404);
  assert.match(job.json().error, /nojob/);
  const version = await call('/pub/job/echo/9.9.9/x', { headers: auth });
  assert.equal(version.status, 404);
  assert.equal(version.json().job_version, '9.9.9');
  assert.equal((await call('/pub/job/echo/9.x/x', { headers: auth })).status, 404);
  assert.equal((await call('/pub/job/echo/1.x.2/x', { headers: auth })).status, 400);
  assert.equal((await call('/pub/job/-bad/latest/x', { headers: auth })).status, 400);
  assert.equal((await call(`/pub/job/${'a'.repeat(64)}/latest/x`, { headers: auth })).status, 400);
});

test('odd URLs get 400/404 JSON, never a crash', async () => {
  const odd = [
    '/pub/job/', '/pub/job/echo', '/pub/job//latest/x', '/pub/job/echo//x', '/pub/job/%ff/latest/', '/pub/job/%E0%A4%A/latest/',
    '/pub/job/echo/1.0.0/../../../etc/passwd', '/pub/job/echo/1.0.0/a/%2e%2e/b', '/pub/job/../x', '/pub/job/echo/%zz/x',
    '/pub/nothing', '/pub/async/task/', '/pub/async/task/x/y/z',
  ];
  for (const path of odd) {
    const res = await call(path, { headers: auth });
    assert.ok(res.status === 400 || res.status === 404, `${path} → ${res.status}`);
    assert.equal(typeof res.json().error, 'string', path);
  }
  const encoded = await call('/pub/job/%65cho/1.0.0/x', { headers: auth });
  assert.equal(encoded.status, 200, 'a percent-encoded name is decoded');
});

test('502 when the only replica is unreachable', async () => {
  const res = await call('/pub/job/dead/1.0.0/x', { headers: auth });
  assert.equal(res.status, 502);
  assert.equal(res.json().job_name, 'dead');
  assert.match(res.json().error, /unreachable/);
});

test('503 with Retry-After for a version that is not running, or latest with nothing ready', async () => {
  const exact = await call('/pub/job/echo/1.2.0/x', { headers: auth });
  assert.equal(exact.status, 503);
  assert.ok(Number(exact.headers['retry-after']) > 0);
  assert.equal(exact.json().job_version, '1.2.0');
  const latest = await call('/pub/job/booting/latest/x', { headers: auth });
  assert.equal(latest.status, 503);
  assert.ok(latest.headers['retry-after']);
});

// ---- auth

test('/health, /live, /ready and public endpoints need no token', async () => {
  for (const path of ['/health', '/live', '/ready', '/api/v1/open', '/api/v1/open/sub?q=1', '/static/app.js']) {
    assert.equal((await call(`/pub/job/echo/1.0.0${path}`)).status, 200, path);
  }
  for (const path of ['/api/v1/openx', '/healthz', '/static', '/api/v1/%6fpen']) {
    assert.equal((await call(`/pub/job/echo/1.0.0${path}`)).status, 401, path);
  }
  assert.equal((await call('/pub/job/echo/1.0.0/health', { method: 'HEAD' })).status, 200);
  assert.equal((await call('/pub/job/echo/1.0.0/health', { method: 'POST', body: '{}' })).status, 401, 'probes are open to GET and HEAD only');
  assert.equal((await call('/pub/job/echo/1.0.0/api/v1/open', { method: 'POST', body: '{}' })).status, 200, 'public endpoints to any method');
});

test('the token may come in the X-Racetrack-Auth cookie; the job never sees it', async () => {
  const res = await call('/pub/job/echo/1.0.0/x', { headers: { cookie: 'theme=dark; X-Racetrack-Auth=alice-token; lang=en' } });
  assert.equal(res.status, 200);
  const echo: Echo = res.json();
  assert.equal(echo.headers.cookie, 'theme=dark; lang=en');
  assert.equal(echo.headers['x-racetrack-auth'], undefined);
  const header = await call('/pub/job/echo/1.0.0/x', { headers: auth });
  assert.equal((header.json() as Echo).headers['x-racetrack-auth'], undefined);
});

test('with auth off no token is needed, and a good one still names the caller', async () => {
  const open = createGateway({ routes, authorizer, authRequired: false, asyncTasks: new InMemoryAsyncTaskStore() });
  const server = http.createServer((req, res) => open.handleRequest(req, res)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const anon = await fetch(`http://${addr(server)}/pub/job/echo/latest/x`);
    assert.equal(anon.status, 200);
    const named = await fetch(`http://${addr(server)}/pub/job/echo/latest/x`, { headers: auth });
    assert.equal(((await named.json()) as Echo).headers['x-caller-name'], 'alice@example.com');
  } finally {
    await open.close();
    server.closeAllConnections();
    server.close();
  }
});

// ---- routing

test('latest resolves to the highest stable promoted running version; patterns and pins too', async () => {
  const latest: Echo = (await call('/pub/job/echo/latest/x', { headers: auth })).json();
  assert.equal(latest.url, '/pub/job/echo/1.1.0/x');
  assert.equal((await call('/pub/job/echo/1.x/x', { headers: auth })).json().url, '/pub/job/echo/1.1.0/x');
  assert.equal((await call('/pub/job/echo/1.0.x/x', { headers: auth })).json().url, '/pub/job/echo/1.0.0/x');
  assert.equal((await call('/pub/job/echo/2.0.0/x', { headers: auth })).json().url, '/pub/job/echo/2.0.0/x', 'unpromoted: exact only');
  assert.equal((await call('/pub/job/echo/3.0.0-rc.1/x', { headers: auth })).json().url, '/pub/job/echo/3.0.0-rc.1/x');
  const pinned = await call('/pub/job/echo/latest/x', { headers: { ...auth, 'x-racetrack-version': '1.0.0' } });
  assert.equal(pinned.json().url, '/pub/job/echo/1.0.0/x');
  const ignored = await call('/pub/job/echo/1.1.0/x', { headers: { ...auth, 'x-racetrack-version': '1.0.0' } });
  assert.equal(ignored.json().url, '/pub/job/echo/1.1.0/x', 'a pin only changes latest');
});

test('the job gets the full path with the query, forwarded headers and the method and body', async () => {
  const res = await call('/pub/job/echo/latest/api/v1/perform?a=1&b=%20', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json', 'x-forwarded-for': '10.0.0.1', 'x-custom': 'kept', connection: 'keep-alive, x-hop', 'x-hop': 'dropped' },
    body: '{"n":1}',
  });
  assert.equal(res.status, 200);
  const echo: Echo = res.json();
  assert.equal(echo.method, 'POST');
  assert.equal(echo.url, '/pub/job/echo/1.1.0/api/v1/perform?a=1&b=%20');
  assert.equal(echo.body, '{"n":1}');
  assert.equal(echo.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
  assert.equal(echo.headers['x-forwarded-host'], addr(front));
  assert.equal(echo.headers['x-forwarded-proto'], 'http');
  assert.equal(echo.headers['x-forwarded-prefix'], '/pub/job/echo/1.1.0');
  assert.equal(echo.headers['x-custom'], 'kept');
  assert.equal(echo.headers['x-hop'], undefined, 'headers named in Connection are hop-by-hop');
  assert.equal(echo.headers['x-caller-name'], 'alice@example.com');
  // the job's own cookies pass; the platform's (session, CSRF binding) a job may neither plant nor clear
  assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
  assert.equal(res.headers['content-type'], 'application/json');
});

test('X-Request-Tracing-Id is generated when absent, passed through otherwise, and echoed', async () => {
  const generated = await call('/pub/job/echo/1.0.0/x', { headers: auth });
  const id = generated.headers['x-request-tracing-id'] as string;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal((generated.json() as Echo).headers['x-request-tracing-id'], id);
  const passed = await call('/pub/job/echo/1.0.0/x', { headers: { ...auth, 'x-request-tracing-id': 'trace-42' } });
  assert.equal(passed.headers['x-request-tracing-id'], 'trace-42');
  assert.equal((passed.json() as Echo).headers['x-request-tracing-id'], 'trace-42');
});

test('X-Caller-Name is the authenticated caller, never what the client sent', async () => {
  const spoof = await call('/pub/job/echo/1.0.0/x', { headers: { ...auth, 'x-caller-name': 'mallory' } });
  assert.equal((spoof.json() as Echo).headers['x-caller-name'], 'alice@example.com');
  const open = await call('/pub/job/echo/1.0.0/health', { headers: { 'x-caller-name': 'probe' } });
  assert.equal((open.json() as Echo).headers['x-caller-name'], undefined);
});

test('a Location pointing at the replica becomes the public path', async () => {
  const res = await call('/pub/job/echo/1.0.0/redirect', { headers: auth });
  assert.equal(res.status, 302);
  assert.equal(res.headers.location, '/pub/job/echo/1.0.0/target');
  const root = await call('/pub/job/echo/latest/redirect-root', { headers: auth });
  assert.equal(root.headers.location, '/pub/job/echo/1.1.0/docs');
});

test('request and response bodies stream (chunked both ways)', async () => {
  async function* upload() {
    for (let i = 0; i < 5; i++) {
      yield `part${i};`;
      await sleep(5);
    }
  }
  const up = await call('/pub/job/echo/1.0.0/upload', { method: 'PUT', headers: auth, body: upload });
  assert.equal((up.json() as Echo).body, 'part0;part1;part2;part3;part4;');
  assert.equal((up.json() as Echo).headers['transfer-encoding'], 'chunked');

  const res = await fetch(`${base}/pub/job/echo/1.0.0/stream`, { headers: auth });
  assert.equal(res.headers.get('transfer-encoding'), 'chunked');
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.equal(Buffer.from(first.value!).toString(), 'chunk0\n', 'the first chunk arrives before the job finishes');
  let rest = '';
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
  assert.equal(rest, 'chunk1\nchunk2\n');
});

test('HEAD answers carry headers and no body', async () => {
  const res = await call('/pub/job/echo/1.0.0/x', { method: 'HEAD', headers: auth });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.body, '');
  assert.equal((await call('/pub/job/echo/1.0.0/x', { headers: auth })).status, 200, 'the connection is reusable after a HEAD');
});

test('a body delimited by the close of the connection, and answers with many headers', async () => {
  for (let i = 0; i < 2; i++) {
    const res = await call('/pub/job/old/1.0.0/x', { headers: auth });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'until the end');
  }
  const many = await call('/pub/job/echo/1.0.0/many-headers', { headers: auth });
  assert.equal(many.body, 'many');
  assert.equal(many.headers['x-h0'], '0');
  assert.equal(many.headers['x-h39'], '39');
});

test('large bodies pass whole both ways', async () => {
  const big = 'y'.repeat(3 * 1024 * 1024);
  const up = await call('/pub/job/echo/1.0.0/upload', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: big });
  assert.equal((up.json() as Echo).body.length, big.length);
  const down = await call('/pub/job/echo/1.0.0/big', { headers: auth });
  assert.equal(down.body.length, 32 * 64 * 1024);
});

test('a client that goes away mid-answer closes the call to the job, and the call is over once', async () => {
  endlessClosed = false;
  calls.length = 0;
  const { hostname, port } = new URL(base);
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ hostname, port, path: '/pub/job/echo/1.0.0/endless', headers: auth, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
    setTimeout(() => reject(new Error('no data')), 2_000);
  });
  for (let i = 0; i < 100 && !endlessClosed; i++) await sleep(10);
  assert.equal(endlessClosed, true);
  assert.deepEqual(calls, ['echo@1.0.0', 'echo@1.0.0 over']);
});

test('round-robin across replicas, and failover when one is dead', async () => {
  const ports = new Set<number>();
  for (let i = 0; i < 4; i++) ports.add((await call('/pub/job/pair/1.0.0/x', { headers: auth })).json().port);
  assert.equal(ports.size, 2);
  for (let i = 0; i < 4; i++) {
    const res = await call('/pub/job/halfdead/1.0.0/x', { method: 'POST', headers: auth, body: `body${i}` });
    assert.equal(res.status, 200);
    assert.equal((res.json() as Echo).port, (replicaB.address() as AddressInfo).port);
    assert.equal((res.json() as Echo).body, `body${i}`);
  }
});

test('a kept-alive connection that dies as it is reused: a safe request is sent again once, a POST is not', async () => {
  assert.equal((await call('/pub/job/closing/1.0.0/a', { headers: auth })).body, 'fresh');
  const again = await call('/pub/job/closing/1.0.0/b', { headers: auth });
  assert.equal(again.status, 200);
  assert.equal(again.body, 'fresh', 'answered on a new connection');
  assert.deepEqual(closingSeen, ['GET', 'GET', 'GET']);
  assert.equal((await call('/pub/job/closing/2.0.0/a', { headers: auth })).body, 'fresh');
  const post = await call('/pub/job/closing/2.0.0/c', { method: 'POST', headers: auth, body: 'once' });
  assert.equal(post.status, 502, 'the job may have acted on it: not sent twice');
  assert.deepEqual(closingPostSeen, ['GET', 'POST']);
});

test('WebSocket upgrades pass through', async () => {
  const ws = new WebSocket(`ws://${addr(front)}/pub/job/echo/latest/ws?x=1`, { headers: auth });
  await once(ws, 'open');
  ws.send('hello');
  const [message] = await once(ws, 'message');
  assert.equal(message.toString(), 'echo /pub/job/echo/1.1.0/ws?x=1 hello');
  ws.close();
  const refused = new WebSocket(`ws://${addr(front)}/pub/job/echo/latest/ws`);
  refused.on('error', () => {});
  const [, res] = (await once(refused, 'unexpected-response')) as [unknown, http.IncomingMessage];
  assert.equal(res.statusCode, 401);
  refused.terminate();
});

test('onCall hears every call that reaches a job, and when it is over', async () => {
  calls.length = 0;
  await call('/pub/job/pair/1.0.0/x', { headers: auth });
  await call('/pub/job/nojob/1.0.0/x', { headers: auth });
  await sleep(10);
  assert.deepEqual(calls.filter((c) => !c.endsWith(' over') || c.startsWith('pair')), ['pair@1.0.0', 'pair@1.0.0 over']);
});

// ---- idle versions

test('a call to an idle version is held while it wakes, then answered; calls together share one wake', async () => {
  // the attack first: without a good token nothing wakes it
  assert.equal((await call('/pub/job/sleepy/latest/x')).status, 401);
  assert.equal((await call('/pub/job/sleepy/1.0.0/x', { headers: { 'x-racetrack-auth': 'no-grant' } })).status, 403);
  assert.deepEqual(wakes, []);
  const answers = await Promise.all([1, 2, 3].map(() => call('/pub/job/sleepy/latest/x', { method: 'POST', headers: auth, body: 'held body' })));
  for (const a of answers) {
    assert.equal(a.status, 200, a.body);
    assert.equal(a.json().url, '/pub/job/sleepy/1.0.0/x');
    assert.equal(a.json().body, 'held body');
  }
  assert.ok(wakes.length >= 1 && wakes.every((w) => w === 'sleepy@1.0.0'));
});

test('a WebSocket upgrade to an idle version is held while it wakes, then tunnelled', async () => {
  routes.upsert(route('sleepy', '1.0.0', [], { status: 'idle' }));
  const ws = new WebSocket(`${base.replace('http', 'ws')}/pub/job/sleepy/1.0.0/ws`, { headers: auth });
  await once(ws, 'open');
  ws.send('hello');
  const [reply] = (await once(ws, 'message')) as [Buffer];
  assert.equal(reply.toString(), 'echo /pub/job/sleepy/1.0.0/ws hello');
  ws.close();
});

test('a version that cannot be woken answers 503 naming it', async () => {
  const r = await call('/pub/job/broken/1.0.0/x', { headers: auth });
  assert.equal(r.status, 503);
  assert.match(r.json().error, /job "broken" version "1\.0\.0" was idle and could not be started/);
});

// ---- async

test('async: create → poll → the job\'s own answer; status; only the creator may read', async () => {
  const created = await call('/pub/async/new/job/echo/1.0.0/slow', { method: 'POST', headers: auth, body: '{}' });
  assert.equal(created.status, 201);
  const { task_id: id, status } = created.json();
  assert.equal(status, 'ongoing');
  const ongoing = await call(`/pub/async/task/${id}/status`, { headers: auth });
  assert.equal(ongoing.json().status, 'ongoing');
  assert.equal((await call(`/pub/async/task/${id}/poll`, { headers: { 'x-racetrack-auth': 'bob-token' } })).status, 403);
  assert.equal((await call(`/pub/async/task/${id}/poll`)).status, 401);
  const polled = await call(`/pub/async/task/${id}/poll`, { headers: auth });
  assert.equal(polled.status, 207);
  assert.equal(polled.body, 'slow answer');
  assert.equal(polled.headers['x-job'], 'slow');
  const done = await call(`/pub/async/task/${id}/status`, { headers: auth });
  assert.equal(done.json().status, 'done');
  assert.equal(done.json().job_version, '1.0.0');
  assert.equal((await call('/pub/async/task/nope/poll', { headers: auth })).status, 404);
});

test('async: a poll answers 202 while the job is still busy, and the job gets the request', async () => {
  const store = new InMemoryAsyncTaskStore();
  const gw = createGateway({ routes, authorizer, authRequired: true, asyncTasks: store, asyncPollTimeoutMs: 20 });
  const server = http.createServer((req, res) => gw.handleRequest(req, res)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const created = await fetch(`http://${addr(server)}/pub/async/new/job/echo/latest/slow?q=1`, { method: 'POST', headers: auth, body: 'payload' });
    const { task_id: id } = (await created.json()) as { task_id: string };
    const early = await fetch(`http://${addr(server)}/pub/async/task/${id}/poll`, { headers: auth });
    assert.equal(early.status, 202);
    assert.deepEqual(await early.json(), { task_id: id, status: 'ongoing' });
    const task = await store.get(id);
    assert.equal(task?.request.path, '/slow?q=1');
    assert.equal(task?.request.body.toString(), 'payload');
    assert.equal(task?.caller?.name, 'alice@example.com');
    assert.ok(!task?.request.headers.some(([k]) => k.toLowerCase() === 'x-racetrack-auth'));
    await store.waitFor(id, 2_000);
    assert.equal((await fetch(`http://${addr(server)}/pub/async/task/${id}/poll`, { headers: auth })).status, 207);
  } finally {
    await gw.close();
    server.closeAllConnections();
    server.close();
  }
});

test('async: errors are answered like calls; an unreachable job fails the task', async () => {
  assert.equal((await call('/pub/async/new/job/echo/1.0.0/x', { method: 'POST' })).status, 401);
  assert.equal((await call('/pub/async/new/job/nojob/1.0.0/x', { method: 'POST', headers: auth })).status, 404);
  assert.equal((await call('/pub/async/new/job/echo/1.0.0/x', { method: 'GET', headers: auth })).status, 405);
  const created = await call('/pub/async/new/job/dead/1.0.0/x', { method: 'POST', headers: auth, body: 'x' });
  const { task_id: id } = created.json();
  const polled = await call(`/pub/async/task/${id}/poll`, { headers: auth });
  assert.equal(polled.status, 502);
  assert.equal((await call(`/pub/async/task/${id}/status`, { headers: auth })).json().status, 'failed');
});

test('async: tasks a restart interrupted are failed', async () => {
  const store = new InMemoryAsyncTaskStore();
  await store.create({ id: 't1', jobName: 'echo', jobVersion: '1.0.0', status: 'ongoing', request: { method: 'POST', path: '/', headers: [], body: Buffer.from('') }, createdAt: Date.now() });
  const gw = createGateway({ routes, authorizer, authRequired: true, asyncTasks: store });
  assert.equal(await gw.failInterruptedTasks(), 1);
  assert.equal((await store.get('t1'))?.status, 'failed');
  await gw.close();
});

// ---- metrics

test('metrics count requests by status, time them, and count proxy and auth failures', async () => {
  await call('/pub/job/pair/1.0.0/x', { headers: auth });
  await call('/pub/job/pair/1.0.0/x');
  await call('/pub/job/dead/1.0.0/x', { headers: auth });
  const text = gateway.metrics.render();
  assert.match(text, /^racetrack_pub_requests_total\{job="pair",version="1.0.0",status="200"\} \d+$/m);
  assert.match(text, /^racetrack_pub_requests_total\{job="pair",version="1.0.0",status="401"\} \d+$/m);
  assert.match(text, /^racetrack_pub_request_duration_seconds_bucket\{job="pair",version="1.0.0",le="\+Inf"\} \d+$/m);
  assert.match(text, /^racetrack_pub_request_duration_seconds_count\{job="pair",version="1.0.0"\} \d+$/m);
  assert.match(text, /^racetrack_pub_proxy_errors_total\{job="dead",version="1.0.0",reason="ECONNREFUSED"\} \d+$/m);
  assert.match(text, /^racetrack_pub_auth_failures_total\{job="pair",status="401"\} \d+$/m);
  assert.match(text, /^# TYPE racetrack_pub_request_duration_seconds histogram$/m);
});
