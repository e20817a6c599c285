// The head and body deadlines of calls to jobs: the sweep on its own, then through a running gateway, where a job
// that keeps talking is never cut, one that goes quiet is, and a client slow to read is not held against the job.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallDeadlines, type DeadlineLimits, type WatchedCall } from './call-deadlines.js';
import { createGateway } from './gateway.js';
import { InMemoryAsyncTaskStore } from './in-memory-async-task-store.js';
import { RouteTable } from './route-table.js';

/** A sweep the test closes when it ends. */
function sweep(t: TestContext, limits: DeadlineLimits): CallDeadlines {
  const deadlines = new CallDeadlines(limits);
  t.after(() => deadlines.close());
  return deadlines;
}

function watched(over: Partial<WatchedCall> = {}): WatchedCall & { expired: string[] } {
  const expired: string[] = [];
  return { lastTick: 0, deadlineSlot: -1, answering: false, held: false, expire: (err) => void expired.push((err as { code?: string }).code!), expired, ...over };
}

test('the sweep expires a call that waits past its head limit, with undici\'s head timeout error', async (t) => {
  const deadlines = sweep(t, { headMs: 80, bodyMs: 10_000 });
  const call = watched();
  deadlines.watch(call);
  await sleep(40);
  assert.deepEqual(call.expired, [], 'not before its limit');
  await sleep(120);
  assert.deepEqual(call.expired, ['UND_ERR_HEADERS_TIMEOUT']);
  await sleep(60);
  assert.equal(call.expired.length, 1, 'once');
});

test('the body limit counts from the last sign of life, and not while the client holds the answer back', async (t) => {
  const deadlines = sweep(t, { headMs: 10_000, bodyMs: 80 });
  const talking = watched({ answering: true });
  const held = watched({ answering: true, held: true });
  const quiet = watched({ answering: true });
  for (const c of [talking, held, quiet]) deadlines.watch(c);
  for (let i = 0; i < 10; i++) {
    await sleep(30);
    talking.lastTick = deadlines.tick;
  }
  assert.deepEqual(talking.expired, []);
  assert.deepEqual(held.expired, []);
  assert.deepEqual(quiet.expired, ['UND_ERR_BODY_TIMEOUT']);
  deadlines.unwatch(talking);
  await sleep(200);
  assert.deepEqual(talking.expired, [], 'an unwatched call is let go');
});

test('of many calls watched and let go in any order, exactly the ones still watched expire, each once', async (t) => {
  const deadlines = sweep(t, { headMs: 50, bodyMs: 50 });
  const calls = Array.from({ length: 100 }, () => watched());
  for (const c of calls) deadlines.watch(c);
  for (const c of calls) deadlines.watch(c); // watching again only restarts the clock
  const letGo = calls.filter((_, i) => i % 3 === 0 || i > 90);
  for (const c of [...letGo].reverse()) deadlines.unwatch(c);
  deadlines.unwatch(letGo[0]!); // twice is harmless
  await sleep(200);
  for (const c of calls) assert.deepEqual(c.expired, letGo.includes(c) ? [] : ['UND_ERR_HEADERS_TIMEOUT']);
  assert.ok(calls.every((c) => c.deadlineSlot === -1));
});

test('a limit of 0 is off', async (t) => {
  const deadlines = sweep(t, { headMs: 0, bodyMs: 0 });
  const call = watched();
  deadlines.watch(call);
  await sleep(100);
  assert.deepEqual(call.expired, []);
});

// ---- through a gateway

/** A job whose answer to each path is a script: `/trickle` talks every 60 ms for ~0.6 s, `/quiet` stops after a piece, `/flood` sends 16 MiB. */
async function startJob(): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? '').replace(/^\/pub\/job\/[^/]+\/[^/]+/, '');
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    if (path === '/trickle') {
      for (let i = 0; i < 10; i++) {
        res.write(`piece${i}\n`);
        await sleep(60);
      }
      res.end('done\n');
    } else if (path === '/quiet') {
      res.write('one piece then nothing\n');
    } else if (path === '/flood') {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      for (let i = 0; i < 256; i++) if (!res.write(chunk)) await once(res, 'drain');
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** A job (startJob) behind a gateway with a body limit of 200 ms; both close when the test ends. Resolves with the gateway's port. */
async function startGateway(t: TestContext): Promise<number> {
  const job = await startJob();
  const routes = new RouteTable();
  routes.replaceAll([{ name: 'talk', version: '1.0.0', status: 'running', upstreams: [`127.0.0.1:${(job.address() as AddressInfo).port}`], publicEndpoints: [], promoted: true }]);
  const gateway = createGateway({
    routes,
    authorizer: { authorizeCall: () => ({ ok: false, status: 401, error: 'no' }) },
    authRequired: false,
    asyncTasks: new InMemoryAsyncTaskStore(),
    upstreamHeadTimeoutMs: 10_000,
    upstreamBodyTimeoutMs: 200,
  });
  const front = http.createServer((req, res) => gateway.handleRequest(req, res));
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  t.after(async () => {
    await gateway.close();
    for (const server of [front, job]) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
  return (front.address() as AddressInfo).port;
}

/** GET over a raw socket; `pauseMs` leaves the answer unread that long after its first bytes. */
async function get(port: number, path: string, pauseMs = 0): Promise<{ text: string; cut: boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET /pub/job/talk/1.0.0${path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n`);
  const chunks: Buffer[] = [];
  let paused = false;
  socket.on('data', (c: Buffer) => {
    chunks.push(c);
    if (pauseMs > 0 && !paused) {
      paused = true;
      socket.pause();
      setTimeout(() => socket.resume(), pauseMs);
    }
  });
  await once(socket, 'close');
  const text = Buffer.concat(chunks).toString('latin1');
  // the answer is chunked: a whole one ends with the last chunk
  return { text: text.slice(text.indexOf('\r\n\r\n') + 4), cut: !text.endsWith('0\r\n\r\n') };
}

test('through the gateway: a job that keeps talking past the body limit is not cut; one that goes quiet is', async (t) => {
  const port = await startGateway(t);
  const trickle = await get(port, '/trickle');
  assert.equal(trickle.cut, false, trickle.text);
  assert.match(trickle.text, /piece9\n[\s\S]*done\n/);
  const started = performance.now();
  const quiet = await get(port, '/quiet');
  assert.equal(quiet.cut, true);
  assert.match(quiet.text, /one piece then nothing/);
  assert.ok(performance.now() - started < 5_000, 'cut after the body limit, not at some far later time');
});

test('through the gateway: a client that leaves 16 MiB unread for 5× the body limit still gets all of it', async (t) => {
  const flood = await get(await startGateway(t), '/flood', 1_000);
  assert.equal(flood.cut, false);
  // 16 MiB of x, in chunks the gateway framed (their sizes are hex: no x)
  assert.equal(flood.text.split('x').length - 1, 16 * 1024 * 1024);
});
