// Property-based tests of the pub path parser (parseJobPath) and of the whole routing decision
// (routeCall) on generated URLs: no exceptions, a valid result or a named refusal, round trips.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import fc from 'fast-check';
import { jobNameProblem } from '../manifest/job-name-problem.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { parseJobPath, type JobPath } from './parse-job-path.js';
import { parseVersionSpec } from './parse-version-spec.js';
import { routeCall, type RouteContext } from './route-call.js';
import { RouteStates } from './route-state.js';
import { RouteTable } from './route-table.js';
import { scanRequestHeaders } from './scan-request-headers.js';
import type { CallAuthorizer, RouteVersion } from './types.js';
import { UpstreamPools } from './upstream-pools.js';

const RUNS = 3000;
const JOB = '/pub/job/';

// ---- generators

const jobName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/);
const num = fc.nat({ max: 20 });
const spec = fc.oneof(
  fc.constant('latest'),
  fc.tuple(num, num, num).map(([a, b, c]) => `${a}.${b}.${c}`),
  fc.tuple(num, num, num, fc.stringMatching(/^[0-9A-Za-z][0-9A-Za-z.-]{0,8}$/)).map(([a, b, c, l]) => `${a}.${b}.${c}-${l}`),
  num.map((a) => `${a}.x`),
  fc.tuple(num, num).map(([a, b]) => `${a}.${b}.x`),
);
/** A path segment that is never a dot segment and needs no escaping. */
const segment = fc.stringMatching(/^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,10}$/);
const relPath = fc.array(segment, { maxLength: 5 }).map((s) => s.map((x) => `/${x}`).join(''));
const query = fc.option(fc.stringMatching(/^[A-Za-z0-9=&%._~/-]{0,20}$/).map((q) => `?${q}`), { nil: '' });

/** URL-ish noise built from the characters that matter to the parser. */
const urlNoise = fc.array(
  fc.constantFrom('/', '?', '#', '%', '%2', '%2e', '%2E', '%2f', '%2F', '%3f', '%3F', '%zz', '%c3%28', '%00', '.', '..', '\\', 'adder', '1.2.3', 'latest', '1.x', 'x', '-', '_', '~', ' ', '\u0000', '\u00e9', '\ud800', 'api', 'v1', 'perform', '=', '&'),
  { maxLength: 24 },
).map((parts) => parts.join(''));
const anyTail = fc.oneof(urlNoise, fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));

// ---- shared checks

function assertWellFormed(url: string, r: JobPath): void {
  if (!r.ok) {
    assert.ok(r.status === 400 || r.status === 404, `status ${r.status}`);
    assert.equal(typeof r.error, 'string');
    assert.ok(r.error.length > 0);
    return;
  }
  assert.equal(typeof r.name, 'string');
  assert.ok(r.spec.length > 0, 'an ok result always names a version');
  assert.ok(!r.name.includes('?'), 'the query never leaks into the name');
  assert.ok(r.rest === '' || r.rest.startsWith('/') || r.rest.startsWith('?'), `rest ${JSON.stringify(r.rest)}`);
  assert.ok(url.endsWith(r.rest), 'rest is the untouched tail of the URL');
  assert.ok(r.relPath.startsWith('/'), `relPath ${JSON.stringify(r.relPath)}`);
  assert.ok(!r.relPath.includes('?'), 'relPath holds no query');
  // no segment is, or decodes to, a dot segment
  for (const s of r.relPath.split('/')) {
    let decoded = s;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      // malformed escapes are passed on untouched: the job answers them
    }
    assert.ok(decoded !== '.' && decoded !== '..', `dot segment ${JSON.stringify(s)} in ${JSON.stringify(r.relPath)}`);
  }
}

// ---- parseJobPath

test('parseJobPath never throws on noise after /pub/job/ and answers ok or 400/404 with an error', () => {
  fc.assert(
    fc.property(anyTail, (tail) => {
      const url = JOB + tail;
      assertWellFormed(url, parseJobPath(url, JOB.length));
    }),
    { numRuns: RUNS * 2 },
  );
});

test('parseJobPath never throws for any start index', () => {
  fc.assert(
    fc.property(anyTail, fc.nat(), (url, i) => {
      const start = url.length === 0 ? 0 : i % (url.length + 1);
      assertWellFormed(url, parseJobPath(url, start));
    }),
    { numRuns: RUNS },
  );
});

test('a generated NAME/VERSION/PATH?QUERY parses back to the same parts', () => {
  fc.assert(
    fc.property(jobName, spec, relPath, query, (name, version, path, q) => {
      const url = `${JOB}${name}/${version}${path}${q}`;
      const r = parseJobPath(url, JOB.length);
      assert.ok(r.ok, `${url}: ${r.ok ? '' : r.error}`);
      assert.equal(r.name, name);
      assert.equal(r.spec, version);
      assert.equal(r.rest, path + q);
      assert.equal(r.relPath, path || '/');
      assert.equal(jobNameProblem(r.name), undefined);
      assert.ok(parseVersionSpec(r.spec), r.spec);
    }),
    { numRuns: RUNS },
  );
});

test('percent-encoded names and versions decode back to the original text', () => {
  // any text without lone surrogates (encodeURIComponent refuses those)
  const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
  fc.assert(
    fc.property(text, text, relPath, (name, version, path) => {
      const url = `${JOB}${encodeURIComponent(name)}/${encodeURIComponent(version)}${path}`;
      const r = parseJobPath(url, JOB.length);
      if (name.includes('?')) {
        assert.equal(r.ok, false, 'a "?" in a name is refused');
        return;
      }
      assert.ok(r.ok, `${url}: ${r.ok ? '' : r.error}`);
      assert.equal(r.name, name);
      assert.equal(r.spec, version);
      assert.equal(r.relPath, path || '/');
    }),
    { numRuns: RUNS },
  );
});

test('a path with a "." or ".." segment, plain or percent-encoded, is refused with 400', () => {
  const dot = fc.constantFrom('.', '..', '%2e', '%2E', '%2e%2e', '%2E%2e', '.%2e', '%2e.', '..%2f', '%2e%2e%2f', '..%5c', 'a%2f..%2fb', '..\\x');
  fc.assert(
    fc.property(jobName, spec, fc.array(segment, { maxLength: 3 }), dot, fc.array(segment, { maxLength: 3 }), query, (name, version, pre, d, post, q) => {
      const path = [...pre, d, ...post].map((s) => `/${s}`).join('');
      const r = parseJobPath(`${JOB}${name}/${version}${path}${q}`, JOB.length);
      assert.equal(r.ok, false, path);
      assert.equal(!r.ok && r.status, 400);
    }),
    { numRuns: RUNS },
  );
});

test('malformed percent-encoding in the name or version is a 400, never an exception', () => {
  const bad = fc.constantFrom('%', '%z', '%zz', '%e9', '%c3%28', '%ed%a0%80', 'a%', 'a%2');
  fc.assert(
    fc.property(jobName, bad, fc.boolean(), (name, b, inName) => {
      const url = inName ? `${JOB}${name}${b}/1.0.0/x` : `${JOB}${name}/1.0.0${b}/x`;
      const r = parseJobPath(url, JOB.length);
      assert.equal(r.ok, false, url);
      assert.equal(!r.ok && r.status, 400);
    }),
    { numRuns: 500 },
  );
});

// ---- the whole routing decision: path → version → readiness → token, on generated URLs

const versions: RouteVersion[] = [
  { name: 'adder', version: '1.0.0', status: 'running', upstreams: ['127.0.0.1:9'], publicEndpoints: ['/api/v1/perform'], promoted: true },
  { name: 'adder', version: '1.2.0', status: 'running', upstreams: ['127.0.0.1:9'], publicEndpoints: [], promoted: true },
  { name: 'adder', version: '2.0.0-beta', status: 'running', upstreams: ['127.0.0.1:9'], publicEndpoints: [], promoted: true },
  { name: 'adder', version: '3.0.0', status: 'starting', upstreams: ['127.0.0.1:9'], publicEndpoints: [], promoted: false },
];
const authorizer: CallAuthorizer = {
  authorizeCall: (token) => (token === 'good' ? { ok: true, caller: { kind: 'user', name: 'a@b.c' } } : token === 'weak' ? { ok: false, status: 403, error: 'no call_job' } : { ok: false, status: 401, error: 'no or unknown token' }),
};

const PROBES = ['/health', '/live', '/ready'];

function context(): RouteContext {
  const routes = new RouteTable();
  routes.replaceAll(versions);
  const metrics = new GatewayMetrics();
  return { routes, authorizer, authRequired: true, states: new RouteStates(metrics, new UpstreamPools({ headMs: 1000, bodyMs: 1000 })), metrics };
}

test('routeCall on generated URLs and headers: routed to a running version, or a named 400/401/403/404/503', () => {
  const ctx = context();
  // mostly calls aimed at the job (known and unknown versions, clean and noisy paths), some pure noise
  const known = fc.constantFrom('latest', '1.0.0', '1.2.0', '2.0.0-beta', '1.x', '1.x.x', '1.2.x', '1.0.x', '3.0.0', '3.x', '2.x', '9.9.9', '1.x.2', 'LATEST');
  const tail = fc.oneof(
    { weight: 1, arbitrary: anyTail },
    {
      weight: 4,
      arbitrary: fc.tuple(
        fc.oneof({ weight: 6, arbitrary: fc.constant('adder') }, { weight: 1, arbitrary: fc.constantFrom('Adder', 'nope', '..', '', 'ad%64er') }),
        fc.oneof({ weight: 3, arbitrary: known }, { weight: 1, arbitrary: spec }),
        fc.oneof({ weight: 3, arbitrary: relPath }, { weight: 1, arbitrary: urlNoise }),
        query,
      ).map(([n, v, p, q]) => `${n}/${v}${p}${q}`),
    },
  );
  const headers = fc.record({
    token: fc.constantFrom(undefined, 'good', 'weak', 'bad', ''),
    pin: fc.constantFrom(undefined, '1.0.0', '2.0.0-beta', '3.0.0', 'nope', '1.x'),
    tracing: fc.constantFrom(undefined, 'trace-1'),
    kind: fc.constantFrom('call', 'upgrade', 'async' as const),
    method: fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'),
  });
  fc.assert(
    fc.property(tail, headers, (t, { token, pin, tracing, kind, method }) => {
      const req = { method, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
      const raw: string[] = [];
      if (token !== undefined) raw.push('X-Racetrack-Auth', token);
      if (pin !== undefined) raw.push('X-Racetrack-Version', pin);
      if (tracing !== undefined) raw.push('X-Request-Tracing-Id', tracing);
      const url = JOB + t;
      const r = routeCall(ctx, req, url, JOB.length, scanRequestHeaders(raw), kind);
      if (tracing) assert.equal(r.tracingId, tracing);
      else assert.match(r.tracingId, /^[0-9a-f-]{36}$/);
      if (r.ok) {
        assert.equal(r.state.route.status, 'running');
        assert.ok(r.path.startsWith(`${JOB}adder/${r.state.route.version}`), r.path);
        const parsed = parseJobPath(url, JOB.length);
        assert.ok(parsed.ok && r.path === `${JOB}adder/${r.state.route.version}${parsed.rest}`, r.path);
        if (token !== 'good') {
          // routed without a good token: a probe read, or a public endpoint; never an async call
          assert.notEqual(kind, 'async', url);
          if (PROBES.includes(parsed.relPath)) assert.ok(kind === 'call' && (method === 'GET' || method === 'HEAD'), `${kind} ${method} ${url}`);
          assert.ok(!r.headers.includes('x-caller-name'), 'no caller, no caller name');
        }
        return;
      }
      assert.ok([400, 401, 403, 404, 503].includes(r.status), `${url} → ${r.status}`);
      assert.ok(r.error.length > 0);
      if (r.status === 503) assert.ok(r.retryAfter && r.retryAfter > 0);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('a latest call never reaches a pre-release, an unpromoted or a starting version (unless pinned to one that runs)', () => {
  const ctx = context();
  const req = { method: 'GET', socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
  fc.assert(
    fc.property(relPath, fc.constantFrom(undefined, '1.0.0', '2.0.0-beta', '3.0.0'), (path, pin) => {
      const raw = ['X-Racetrack-Auth', 'good', ...(pin ? ['X-Racetrack-Version', pin] : [])];
      const r = routeCall(ctx, req, `${JOB}adder/latest${path}`, JOB.length, scanRequestHeaders(raw), 'call');
      if (!pin) {
        assert.ok(r.ok);
        assert.equal(r.state.route.version, '1.2.0');
      } else if (pin === '3.0.0') {
        assert.equal(r.ok, false);
        assert.equal(!r.ok && r.status, 503);
      } else {
        assert.ok(r.ok);
        assert.equal(r.state.route.version, pin);
      }
    }),
    { numRuns: 500 },
  );
});
