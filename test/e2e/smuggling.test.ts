// Request smuggling and response mix-ups through the gateway, performed with raw sockets against a real
// HTTP listener and a job that records every byte it receives. For each attack: at most one request
// reaches the job per client request, with the framing the gateway parsed, and no answer reaches a
// client that did not ask for it. Also the auth bypass by upgrade, anonymous async storage, caller-name
// spoofing and upstream timeouts (security issue 10).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { route, startGatewayFront, type Front } from '../gateway-front.js';
import { answer, header, headerValues, json, RawClient, RawJob, statusOf, type RawMessage } from '../raw-http.js';

const P = '/pub/job/raw/1.0.0';
const AUTH = 'X-Racetrack-Auth: good';
/** A whole request hidden in a body: it reaches the job as a request only if framing is lost. */
const SMUGGLED = `GET ${P}/smuggled HTTP/1.1\r\nHost: job\r\nX-Marker: smuggled\r\n\r\n`;

function request(method: string, path: string, headers: string[], body: string = ''): string {
  return `${method} ${P}${path} HTTP/1.1\r\nHost: gw.test\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`;
}

function chunked(body: string): string {
  return `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
}

let job: RawJob;
let front: Front;

before(async () => {
  job = new RawJob();
  const upstream = await job.listen();
  front = await startGatewayFront([route('raw', '1.0.0', [upstream], { publicEndpoints: ['/open'] })]);
});

after(async () => {
  await front.close();
  await job.close();
});

beforeEach(() => {
  job.reset();
  job.script = (req, conn, stage) => {
    if (stage === 'message') answer(req, conn);
  };
});

/** What the job saw: exactly these requests, each whole, framed once, never carrying a token. */
function assertJobSaw(expected: { marker: string; body?: string }[]): RawMessage[] {
  assert.deepEqual(job.errors(), [], 'the job could follow the framing of every byte it received');
  const seen = job.requests();
  assert.deepEqual(seen.map((m) => header(m, 'x-marker')), expected.map((e) => e.marker), 'requests that reached the job');
  for (const [i, m] of seen.entries()) {
    assert.ok(headerValues(m, 'content-length').length + headerValues(m, 'transfer-encoding').length <= 1, `one framing header: ${m.headers}`);
    assert.equal(header(m, 'x-racetrack-auth'), undefined);
    if (expected[i]!.body !== undefined) {
      assert.ok(m.complete, 'the body arrived whole');
      assert.equal(m.body.toString('latin1'), expected[i]!.body);
    }
  }
  return seen;
}

/** One request on a fresh connection; its single answer (the connection must not offer a second). */
async function callRaw(raw: string, methods = ['GET']): Promise<{ res: RawMessage; client: RawClient }> {
  const client = await RawClient.open(front.address);
  client.write(raw, methods);
  const [res] = await client.responses(1);
  assert.ok(res, `an answer to ${JSON.stringify(raw.slice(0, 60))}`);
  return { res, client };
}

async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1500 && !check(); i++) await sleep(10);
  assert.ok(check(), what);
}

describe('framing the gateway does not parse never reaches the job', { timeout: 30_000 }, () => {
  const refused: Record<string, string> = {
    'CL.TE': request('POST', '/x', [AUTH, 'X-Marker: a', 'Content-Length: 6', 'Transfer-Encoding: chunked'], `0\r\n\r\n${SMUGGLED}`),
    'TE.CL': request('POST', '/x', [AUTH, 'X-Marker: a', 'Transfer-Encoding: chunked', `Content-Length: ${SMUGGLED.length}`], chunked(SMUGGLED)),
    'Transfer-Encoding: xchunked': request('POST', '/x', [AUTH, 'X-Marker: a', 'Transfer-Encoding: xchunked'], `0\r\n\r\n${SMUGGLED}`),
    'duplicated Transfer-Encoding': request('POST', '/x', [AUTH, 'X-Marker: a', 'Transfer-Encoding: chunked', 'Transfer-Encoding: identity'], chunked(SMUGGLED)),
    'Transfer-Encoding: chunked, chunked': request('POST', '/x', [AUTH, 'X-Marker: a', 'Transfer-Encoding: chunked, chunked'], chunked(SMUGGLED)),
    'Transfer-Encoding: chunked, identity': request('POST', '/x', [AUTH, 'X-Marker: a', 'Transfer-Encoding: chunked, identity'], chunked(SMUGGLED)),
    'obs-fold Transfer-Encoding': request('POST', '/x', [AUTH, 'X-Marker: a', 'Transfer-Encoding: x', ' chunked'], chunked(SMUGGLED)),
    'space before the colon': request('POST', '/x', [AUTH, 'X-Marker: a', 'Transfer-Encoding : chunked', 'Content-Length: 4'], chunked(SMUGGLED)),
    'two Content-Lengths': request('POST', '/x', [AUTH, 'X-Marker: a', 'Content-Length: 0', `Content-Length: ${SMUGGLED.length}`], SMUGGLED),
    'Content-Length list': request('POST', '/x', [AUTH, 'X-Marker: a', `Content-Length: ${SMUGGLED.length}, 0`], SMUGGLED),
  };
  for (const [name, raw] of Object.entries(refused)) {
    test(`${name}: refused, nothing reaches the job`, async () => {
      const { res, client } = await callRaw(raw, ['POST']);
      // Node's parser answers 400; a Transfer-Encoding not ending in chunked reaches the gateway first (501)
      assert.ok([400, 501].includes(statusOf(res)), res.startLine);
      await client.closedByServer();
      assertJobSaw([]);
    });
  }

  test('a transfer coding other than chunked is refused with 501 (the gateway cannot re-frame it)', async () => {
    const { res, client } = await callRaw(request('POST', '/x', [AUTH, 'X-Marker: a', 'Transfer-Encoding: gzip, chunked'], chunked(SMUGGLED)), ['POST']);
    assert.equal(statusOf(res), 501);
    assert.match(json(res).error, /transfer-encoding/i);
    client.close();
    assertJobSaw([]);
  });
});

describe('framing the gateway parsed is the framing the job gets', { timeout: 30_000 }, () => {
  for (const te of [' chunked', '\tchunked', 'Chunked']) {
    test(`Transfer-Encoding:${JSON.stringify(te)} is de-chunked and re-chunked once`, async () => {
      const { res, client } = await callRaw(request('POST', '/x', [AUTH, 'X-Marker: a', `Transfer-Encoding:${te}`], chunked(SMUGGLED)), ['POST']);
      client.close();
      assert.equal(statusOf(res), 200);
      assert.equal(json(res).marker, 'a');
      const [seen] = assertJobSaw([{ marker: 'a', body: SMUGGLED }]);
      assert.equal(header(seen!, 'transfer-encoding'), 'chunked');
    });
  }

  test('Connection naming content-length (finding 2): the body keeps its length, the hidden request stays body', async () => {
    const { res, client } = await callRaw(
      request('POST', '/x', [AUTH, 'X-Marker: a', 'Connection: keep-alive, content-length', `Content-Length: ${SMUGGLED.length}`], SMUGGLED),
      ['POST'],
    );
    assert.equal(json(res).marker, 'a');
    const next = await callRaw(request('GET', '/y', [AUTH, 'X-Marker: b']));
    assert.equal(json(next.res).marker, 'b', 'the next caller gets its own answer, not the smuggled one');
    client.close();
    next.client.close();
    const [seen] = assertJobSaw([{ marker: 'a', body: SMUGGLED }, { marker: 'b' }]);
    assert.equal(header(seen!, 'content-length'), String(SMUGGLED.length));
  });

  test('Connection naming transfer-encoding, host or x-racetrack-auth changes neither framing nor auth', async () => {
    const te = await callRaw(request('POST', '/x', [AUTH, 'X-Marker: a', 'Connection: transfer-encoding', 'Transfer-Encoding: chunked'], chunked(SMUGGLED)), ['POST']);
    assert.equal(json(te.res).marker, 'a');
    const host = await callRaw(request('GET', '/x', [AUTH, 'X-Marker: b', 'Connection: host']));
    assert.equal(json(host.res).marker, 'b');
    const token = await callRaw(request('GET', '/x', [AUTH, 'X-Marker: c', 'Connection: x-racetrack-auth']));
    assert.equal(json(token.res).marker, 'c');
    const none = await callRaw(request('GET', '/x', ['X-Marker: d', 'Connection: x-racetrack-auth']));
    assert.equal(statusOf(none.res), 401);
    for (const c of [te, host, token, none]) c.client.close();
    const seen = assertJobSaw([{ marker: 'a', body: SMUGGLED }, { marker: 'b' }, { marker: 'c' }]);
    assert.deepEqual(headerValues(seen[1]!, 'host').length, 1);
  });

  test('pipelined requests: one upstream request each, answers in order, nothing extra', async () => {
    const client = await RawClient.open(front.address);
    client.write(
      request('POST', '/1', [AUTH, 'X-Marker: p1', `Content-Length: ${SMUGGLED.length}`], SMUGGLED) +
        request('GET', '/2', [AUTH, 'X-Marker: p2']) +
        request('HEAD', '/3', [AUTH, 'X-Marker: p3']) +
        request('POST', '/4', [AUTH, 'X-Marker: p4', 'Transfer-Encoding: chunked'], chunked(SMUGGLED)),
      ['POST', 'GET', 'HEAD', 'POST'],
    );
    const answers = await client.responses(4);
    assert.deepEqual(answers.map(statusOf), [200, 200, 200, 200]);
    assert.deepEqual([answers[0], answers[1], answers[3]].map((m) => json(m!).marker), ['p1', 'p2', 'p4']);
    assert.equal(answers[2]!.body.length, 0, 'HEAD has no body');
    client.close();
    assertJobSaw([{ marker: 'p1', body: SMUGGLED }, { marker: 'p2' }, { marker: 'p3' }, { marker: 'p4', body: SMUGGLED }]);
  });
});

describe('an upstream that misbehaves cannot mix answers up', { timeout: 30_000 }, () => {
  test('an answer before the body was read: the client gets it, the half-sent connection is not reused', async () => {
    job.script = (req, conn, stage) => {
      if (stage === 'head' && req.startLine.includes('/early')) answer(req, conn);
      if (stage === 'message' && !req.startLine.includes('/early')) answer(req, conn);
    };
    const client = await RawClient.open(front.address);
    client.write(request('POST', '/early', [AUTH, 'X-Marker: a', 'Content-Length: 100000'], 'x'.repeat(10)), ['POST']);
    const [res] = await client.responses(1);
    assert.equal(json(res!).marker, 'a');
    client.write(SMUGGLED);
    await eventually('the gateway closed the connection that still owed a body', () => job.connections[0]?.closed === true);
    const next = await callRaw(request('GET', '/y', [AUTH, 'X-Marker: b']));
    assert.equal(json(next.res).marker, 'b');
    client.close();
    next.client.close();
    assert.deepEqual(job.requests().map((m) => header(m, 'x-marker')), ['a', 'b']);
    assert.equal(job.requests()[0]!.complete, false);
    assert.notEqual(job.connections.findIndex((c) => c.reader.messages.some((m) => header(m, 'x-marker') === 'b')), 0);
  });

  test('bytes sent on an idle connection (finding 2): that connection is dropped, concurrent callers get their own answers', async () => {
    const first = await callRaw(request('GET', '/a', [AUTH, 'X-Marker: a']));
    assert.equal(json(first.res).marker, 'a');
    first.client.close();
    // The job now answers a request nobody made, on the connection the gateway keeps idle.
    const stray = job.connections[0]!;
    await new Promise<void>((r) => stray.socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 20\r\n\r\n{"marker":"strayed"}', () => r()));
    const clients = await Promise.all(['b', 'c', 'd'].map(async (m) => {
      const c = await RawClient.open(front.address);
      c.write(request('GET', `/${m}`, [AUTH, `X-Marker: ${m}`]));
      return c;
    }));
    const answers = await Promise.all(clients.map((c) => c.responses(1)));
    assert.deepEqual(answers.map((a) => json(a[0]!).marker), ['b', 'c', 'd']);
    for (const c of clients) c.close();
    await eventually('the connection that spoke out of turn is closed', () => stray.closed);
    assert.ok(!stray.reader.messages.some((m) => ['b', 'c', 'd'].includes(header(m, 'x-marker') ?? '')), 'no call went over it afterwards');
    assert.deepEqual(job.errors(), []);
    assert.deepEqual(job.requests().map((m) => header(m, 'x-marker')).sort(), ['a', 'b', 'c', 'd']);
  });

  test('1xx before the answer: the client gets the final answer once', async () => {
    job.script = (req, conn, stage) => {
      if (stage !== 'message') return;
      conn.socket.write('HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n');
      answer(req, conn);
    };
    const client = await RawClient.open(front.address);
    client.write(request('GET', '/x', [AUTH, 'X-Marker: a']) + request('GET', '/y', [AUTH, 'X-Marker: b']), ['GET', 'GET']);
    const answers = await client.responses(2);
    assert.deepEqual(answers.map((m) => [statusOf(m), json(m).marker]), [[200, 'a'], [200, 'b']]);
    client.close();
    assertJobSaw([{ marker: 'a' }, { marker: 'b' }]);
  });

  test('a 101 to a plain request is no answer: 502, nothing tunnelled', async () => {
    job.script = (_req, conn, stage) => {
      if (stage === 'message') conn.socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi');
    };
    const { res, client } = await callRaw(request('GET', '/x', [AUTH, 'X-Marker: a']));
    assert.equal(statusOf(res), 502);
    client.close();
    assertJobSaw([{ marker: 'a' }]);
  });
});

describe('upgrades are calls: authorised, and tunnelled only after the job answered 101', { timeout: 30_000 }, () => {
  const upgrade = (path: string, headers: string[]) => request('GET', path, ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...headers]);
  const perform = request('POST', '/api/v1/perform', ['X-Marker: sneaked', 'Content-Type: application/json', 'Content-Length: 2'], '{}');

  test('an upgrade to a probe path needs a token (finding 1)', async () => {
    const { res, client } = await callRaw(upgrade('/health', ['X-Marker: u']));
    assert.equal(statusOf(res), 401);
    await client.closedByServer();
    assertJobSaw([]);
  });

  for (const [name, path, headers] of [['a probe path, with a token', '/health', [AUTH]], ['a public endpoint', '/open/ws', []]] as const) {
    test(`the job answers 200 to an upgrade on ${name} (finding 1): relayed, then the connection closes; nothing written next reaches the job`, async () => {
      const client = await RawClient.open(front.address);
      // the request written right behind the handshake, as if the tunnel were already open
      client.write(upgrade(path, [...headers, 'X-Marker: u']) + perform, ['GET', 'POST']);
      const [res] = await client.responses(1);
      assert.equal(statusOf(res!), 200);
      assert.equal(json(res!).marker, 'u');
      client.write(perform);
      const all = await client.responses(2);
      assert.equal(all.length, 1, 'one answer only');
      assert.ok(client.closed);
      assertJobSaw([{ marker: 'u' }]);
    });
  }

  test('a 101 without the upgrade headers opens no tunnel', async () => {
    job.script = (_req, conn, stage) => {
      if (stage === 'message') conn.socket.write('HTTP/1.1 101 Switching Protocols\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi');
    };
    const client = await RawClient.open(front.address);
    client.write(upgrade('/ws', [AUTH, 'X-Marker: u']) + perform, ['GET', 'POST']);
    const all = await client.responses(2);
    assert.deepEqual(all.map(statusOf), [502]);
    assert.ok(client.closed);
    assertJobSaw([{ marker: 'u' }]);
  });

  test('after a real 101 bytes flow both ways, and bytes the client sent early follow the 101', async () => {
    job.script = (req, conn, stage) => {
      if (stage !== 'message') return;
      conn.tunnel = true;
      conn.socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: websocket\r\nx-seen: ${header(req, 'x-marker')}\r\n\r\n`);
    };
    const client = await RawClient.open(front.address);
    client.write(`${upgrade('/ws', [AUTH, 'X-Marker: u'])}early bytes;`, ['GET']);
    await eventually('the job switched protocols', () => client.reader.messages.length > 0);
    const res = client.reader.messages[0];
    assert.equal(statusOf(res!), 101);
    assert.equal(header(res!, 'x-seen'), 'u');
    await eventually('the early bytes came back through the tunnel', () => client.bytes.toString().endsWith('early bytes;'));
    client.socket.write('late bytes;');
    await eventually('and later ones', () => client.bytes.toString().endsWith('late bytes;'));
    client.close();
    assertJobSaw([{ marker: 'u' }]);
  });

  test('an upgrade request that declares a body is refused: the gateway cannot frame it', async () => {
    const { res, client } = await callRaw(request('POST', '/ws', [AUTH, 'Connection: Upgrade', 'Upgrade: websocket', 'Content-Length: 5'], 'hello'), ['POST']);
    assert.equal(statusOf(res), 400);
    client.close();
    assertJobSaw([]);
  });
});

describe('caller identity and async calls', { timeout: 30_000 }, () => {
  test('X-Caller-Name never comes from the client (finding 9)', async () => {
    const open = await callRaw(request('GET', '/open', ['X-Marker: a', 'X-Caller-Name: admin@example.com']));
    const probe = await callRaw(request('GET', '/health', ['X-Marker: b', 'X-Caller-Name: admin@example.com']));
    const authed = await callRaw(request('GET', '/x', [AUTH, 'X-Marker: c', 'X-Caller-Name: admin@example.com']));
    for (const c of [open, probe, authed]) c.client.close();
    const [a, b, c] = assertJobSaw([{ marker: 'a' }, { marker: 'b' }, { marker: 'c' }]);
    assert.deepEqual(headerValues(a!, 'x-caller-name'), []);
    assert.deepEqual(headerValues(b!, 'x-caller-name'), []);
    assert.deepEqual(headerValues(c!, 'x-caller-name'), ['alice@example.com']);
  });

  test('probe paths are open for GET and HEAD only', async () => {
    const get = await callRaw(request('GET', '/health', ['X-Marker: a']));
    const head = await callRaw(request('HEAD', '/ready', ['X-Marker: b']), ['HEAD']);
    const post = await callRaw(request('POST', '/health', ['X-Marker: c', 'Content-Length: 2'], '{}'), ['POST']);
    const del = await callRaw(request('DELETE', '/live', ['X-Marker: d']));
    assert.deepEqual([get, head, post, del].map((c) => statusOf(c.res)), [200, 200, 401, 401]);
    for (const c of [get, head, post, del]) c.client.close();
    assertJobSaw([{ marker: 'a' }, { marker: 'b' }]);
  });

  test('async calls need a token even on probes and public endpoints (finding 6)', async () => {
    for (const path of ['/health', '/open', '/api/v1/perform']) {
      const { res, client } = await callRaw(`POST /pub/async/new/job/raw/1.0.0${path} HTTP/1.1\r\nHost: gw\r\nX-Marker: anon\r\nContent-Length: 2\r\n\r\n{}`, ['POST']);
      assert.equal(statusOf(res), 401, path);
      client.close();
    }
    const { res, client } = await callRaw(`POST /pub/async/new/job/raw/1.0.0/open HTTP/1.1\r\nHost: gw\r\n${AUTH}\r\nX-Marker: t\r\nContent-Length: 2\r\n\r\n{}`, ['POST']);
    assert.equal(statusOf(res), 201);
    client.close();
    await eventually('the task ran', () => job.requests().length === 1);
    assertJobSaw([{ marker: 't', body: '{}' }]);
  });
});

describe('quotas and timeouts', { timeout: 30_000 }, () => {
  test('async tasks and their bytes are bounded per caller; refusals are 429 naming the quota', async () => {
    const upstream = job.server.address() as { port: number };
    const limited = await startGatewayFront([route('raw', '1.0.0', [`127.0.0.1:${upstream.port}`])], { asyncMaxTasksPerCaller: 2, asyncMaxBytesPerCaller: 4096 });
    const post = async (token: string, body: string) => {
      const client = await RawClient.open(limited.address);
      client.write(`POST /pub/async/new/job/raw/1.0.0/x HTTP/1.1\r\nHost: gw\r\nX-Racetrack-Auth: ${token}\r\nX-Marker: q\r\nContent-Length: ${body.length}\r\n\r\n${body}`, ['POST']);
      const [res] = await client.responses(1);
      client.close();
      return res!;
    };
    try {
      assert.equal(statusOf(await post('good', '{}')), 201);
      assert.equal(statusOf(await post('good', '{}')), 201);
      const third = await post('good', '{}');
      assert.equal(statusOf(third), 429);
      assert.equal(json(third).quota, 'async_tasks');
      assert.match(json(third).error, /2 stored async tasks/);
      assert.ok(Number(header(third, 'retry-after')) > 0);
      assert.equal(statusOf(await post('other', '{}')), 201, 'another caller has a quota of its own');
      const big = await post('other', 'x'.repeat(5000));
      assert.equal(statusOf(big), 429);
      assert.equal(json(big).quota, 'async_bytes');
    } finally {
      await limited.close();
    }
  });

  test('with auth off the async quota is per client address', async () => {
    const upstream = job.server.address() as { port: number };
    const open = await startGatewayFront([route('raw', '1.0.0', [`127.0.0.1:${upstream.port}`])], { authRequired: false, asyncMaxTasksPerCaller: 1 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 2; i++) {
        const client = await RawClient.open(open.address);
        client.write('POST /pub/async/new/job/raw/1.0.0/x HTTP/1.1\r\nHost: gw\r\nX-Marker: q\r\nContent-Length: 2\r\n\r\n{}', ['POST']);
        statuses.push(statusOf((await client.responses(1))[0]!));
        client.close();
      }
      assert.deepEqual(statuses, [201, 429]);
    } finally {
      await open.close();
    }
  });

  test('a job that never answers gets 504 after the head timeout; one that stalls mid-body is cut (finding 7)', async () => {
    const upstream = job.server.address() as { port: number };
    const impatient = await startGatewayFront([route('raw', '1.0.0', [`127.0.0.1:${upstream.port}`])], { upstreamHeadTimeoutMs: 300, upstreamBodyTimeoutMs: 300 });
    job.script = (req, conn, stage) => {
      if (stage !== 'message') return;
      if (req.startLine.includes('/stall')) conn.socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc');
    };
    try {
      const hang = await RawClient.open(impatient.address);
      hang.write(request('GET', '/hang', [AUTH, 'X-Marker: h']));
      const [res] = await hang.responses(1);
      assert.equal(statusOf(res!), 504);
      assert.deepEqual(Object.keys(json(res!)).sort(), ['error', 'job_name', 'job_version', 'request_id']);
      assert.equal(json(res!).request_id, header(res!, 'x-request-tracing-id'));
      hang.close();
      const stall = await RawClient.open(impatient.address);
      stall.write(request('GET', '/stall', [AUTH, 'X-Marker: s']));
      await stall.closedByServer();
      assert.ok(stall.bytes.toString().endsWith('abc'), 'the head and the bytes that came, then the cut');
      assertJobSaw([{ marker: 'h' }, { marker: 's' }]);
    } finally {
      await impatient.close();
    }
  });
});
