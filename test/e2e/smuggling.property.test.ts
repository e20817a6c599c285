// Request smuggling as a property: random sets of framing, hop-by-hop and gateway headers (duplicated,
// obfuscated, named in Connection) on one request through the gateway to a job that records every byte.
// Whatever the set: at most one request reaches the job, framed as the gateway parsed it (the body the
// client meant, whole), and no answer reaches a client that did not ask for it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { route, startGatewayFront, type Front } from '../gateway-front.js';
import { header, headerValues, json, RawClient, RawJob, statusOf } from '../raw-http.js';

const P = '/pub/job/raw/1.0.0';
const SMUGGLED = `GET ${P}/smuggled HTTP/1.1\r\nHost: job\r\nX-Racetrack-Auth: good\r\nX-Marker: smuggled\r\n\r\n`;

let job: RawJob;
let front: Front;

before(async () => {
  job = new RawJob();
  front = await startGatewayFront([route('raw', '1.0.0', [await job.listen()], { publicEndpoints: ['/open'] })]);
});

after(async () => {
  await front.close();
  await job.close();
});

const teValue = fc.constantFrom('chunked', ' chunked', '\tchunked', 'Chunked', 'xchunked', 'chunked, chunked', 'gzip, chunked', 'identity', 'chunked, identity', 'x');
const connectionToken = fc.constantFrom('keep-alive', 'close', 'upgrade', 'content-length', 'transfer-encoding', 'host', 'x-racetrack-auth', 'x-custom', 'te', 'trailer', 'x-caller-name', 'cookie');
const extra = fc.constantFrom(
  'Upgrade: websocket', 'Upgrade: h2c', 'TE: trailers', 'Trailer: x-t', 'Keep-Alive: timeout=5', 'Expect: 100-continue',
  'X-Caller-Name: root', 'X-Custom: kept', 'Cookie: a=1; X-Racetrack-Auth=good', 'Proxy-Connection: keep-alive', 'X-Forwarded-Host: evil',
);

const requestShape = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
  path: fc.constantFrom('/x', '/open', '/health', '/api/v1/perform'),
  token: fc.constantFrom('good', 'good', 'good', undefined, 'other'),
  body: fc.oneof(fc.constant(''), fc.constant(SMUGGLED), fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'))),
  /** `auto`: Content-Length exactly when a raw body needs one; the others add one whatever the encoding. */
  contentLength: fc.constantFrom('auto', 'auto', 'auto', 'exact', 'zero-padded', 'twice'),
  // mostly none or one (valid or not), sometimes two
  te: fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 4, arbitrary: teValue.map((t) => [t]) }, { weight: 1, arbitrary: fc.array(teValue, { minLength: 2, maxLength: 2 }) }),
  connection: fc.array(connectionToken, { maxLength: 4 }),
  extras: fc.uniqueArray(extra, { maxLength: 4 }),
});

type Shape = typeof requestShape extends fc.Arbitrary<infer T> ? T : never;

/** The bytes a client following its own headers would send: chunked when it names Transfer-Encoding, else raw. */
function encode(shape: Shape, marker: string): string {
  const chunked = shape.te.length > 0;
  const bytes = chunked ? (shape.body ? `${shape.body.length.toString(16)}\r\n${shape.body}\r\n0\r\n\r\n` : '0\r\n\r\n') : shape.body;
  const headers = [`X-Marker: ${marker}`, ...shape.extras];
  if (shape.token) headers.push(`X-Racetrack-Auth: ${shape.token}`);
  const length = String(bytes.length);
  // every byte sent belongs to this one request: no framing leaves a second request behind it
  if (shape.contentLength === 'exact' || (shape.contentLength === 'auto' && !chunked && bytes.length > 0)) headers.push(`Content-Length: ${length}`);
  if (shape.contentLength === 'zero-padded') headers.push(`Content-Length: 0${length}`);
  if (shape.contentLength === 'twice') headers.push(`Content-Length: ${length}`, `Content-Length: ${length}`);
  for (const te of shape.te) headers.push(`Transfer-Encoding: ${te}`);
  if (shape.connection.length) headers.push(`Connection: ${shape.connection.join(', ')}`);
  return `${shape.method} ${P}${shape.path} HTTP/1.1\r\nHost: gw.test\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${bytes}`;
}

let runs = 0;

test('any header set: at most one request reaches the job, with the body the client framed, and answers go to their askers', async () => {
  await fc.assert(
    fc.asyncProperty(requestShape, async (shape) => {
      job.reset();
      const marker = `m${runs++}`;
      const client = await RawClient.open(front.address);
      client.write(encode(shape, marker), [shape.method]);
      await client.responses(1);

      // the next caller, on a connection of its own, gets its own answer, and only one more request reaches the job
      const next = await RawClient.open(front.address);
      next.write(`GET ${P}/next HTTP/1.1\r\nHost: gw.test\r\nX-Racetrack-Auth: good\r\nX-Marker: after-${marker}\r\n\r\n`, ['GET']);
      const [nextAnswer] = await next.responses(1);
      next.close();
      assert.equal(json(nextAnswer!).marker, `after-${marker}`);
      const answers = client.reader.messages.filter((m) => m.complete && !/^HTTP\/1\.1 1\d\d /.test(m.startLine));
      client.close();
      assert.ok(answers.length <= 1, `one request, one answer at most: ${answers.map((a) => a.startLine)}`);
      assert.equal(client.reader.error, undefined, 'the client could follow every byte it got');

      assert.deepEqual(job.errors(), [], 'the job could follow the framing of every byte it got');
      const seen = job.requests();
      const mine = seen.filter((m) => header(m, 'x-marker') === marker);
      assert.deepEqual(seen.map((m) => header(m, 'x-marker')).filter((m) => m !== marker), [`after-${marker}`], 'nothing else reached the job');
      assert.ok(mine.length <= 1, 'at most one upstream request for the client request');
      const [forwarded] = mine;
      if (!forwarded) return;
      assert.ok(forwarded.complete || answers.length === 0, 'a forwarded body arrives whole');
      assert.ok(headerValues(forwarded, 'content-length').length + headerValues(forwarded, 'transfer-encoding').length <= 1, 'one framing');
      assert.deepEqual(headerValues(forwarded, 'transfer-encoding').filter((v) => v !== 'chunked'), []);
      assert.equal(header(forwarded, 'x-racetrack-auth'), undefined, 'the token never reaches the job');
      assert.ok(!(forwarded.headers.find(([k, v]) => k === 'cookie' && /racetrack-auth/i.test(v))), 'nor in a cookie');
      assert.ok([undefined, 'alice@example.com', 'bob@example.com'].includes(header(forwarded, 'x-caller-name')), 'the caller name is the gateway\'s');
      assert.equal(forwarded.body.toString('latin1'), shape.body, 'the body the client framed, not more, not less');
      const [answer] = answers;
      if (answer && statusOf(answer) === 200) assert.equal(json(answer).marker, marker);
    }),
    { numRuns: 200 },
  );
});
