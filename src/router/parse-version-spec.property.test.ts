// Property-based tests of the VERSION part of a pub URL: parseVersionSpec, resolveVersion and the
// RouteTable's cached resolution, checked against a small reference model on thousands of inputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isJobVersion } from '../manifest/index.js';
import { parseVersionSpec } from './parse-version-spec.js';
import { resolveVersion } from './resolve-version.js';
import { RouteTable } from './route-table.js';
import type { RouteVersion } from './types.js';

const RUNS = 3000;
const STATUSES = ['starting', 'running', 'error', 'lost', 'stopped'] as const;

// ---- generators

/** Small numbers collide often (1.2.3 vs 1.2.x); now and then a big one that is still exact in a double. */
const num = fc.oneof({ weight: 5, arbitrary: fc.nat({ max: 12 }) }, { weight: 1, arbitrary: fc.nat({ max: 2 ** 40 }) });
const label = fc.stringMatching(/^[0-9A-Za-z][0-9A-Za-z.-]{0,12}$/);
const stable = fc.tuple(num, num, num).map(([a, b, c]) => `${a}.${b}.${c}`);
const prerelease = fc.tuple(stable, label).map(([v, l]) => `${v}-${l}`);
const version = fc.oneof({ weight: 4, arbitrary: stable }, { weight: 1, arbitrary: prerelease });
const pattern = fc.oneof(
  num.map((a) => ({ raw: `${a}.x`, fixed: [a] })),
  num.map((a) => ({ raw: `${a}.x.x`, fixed: [a] })),
  fc.tuple(num, num).map(([a, b]) => ({ raw: `${a}.${b}.x`, fixed: [a, b] })),
);
/** Specs a client may type: valid ones, near misses built from the same pieces, and noise. */
const specLike = fc.oneof(
  version,
  pattern.map((p) => p.raw),
  fc.constant('latest'),
  fc.array(fc.constantFrom('0', '1', '2', '01', '10', 'x', 'X', '*', '.', '-', '+', 'rc', 'latest', 'v', ' ', '%2e', '/', '\u0000', '9999999999999999'), { maxLength: 8 }).map((p) => p.join('')),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const route = (v: string, status: RouteVersion['status'], promoted: boolean): RouteVersion =>
  ({ name: 'job', version: v, status, upstreams: ['127.0.0.1:1'], publicEndpoints: [], promoted });
/** A job's versions: unique names (the route table keys them by version), any status and promotion. */
const versionList = fc.uniqueArray(
  fc.record({ version, status: fc.constantFrom(...STATUSES), promoted: fc.boolean() }),
  { selector: (r) => r.version, maxLength: 12 },
).map((rs) => rs.map((r) => route(r.version, r.status, r.promoted)));

// ---- a reference model, with exact integer arithmetic

function stableParts(v: string): bigint[] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)] : undefined;
}

function compare(a: bigint[], b: bigint[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** What latest / a pattern must pick: the highest stable version among the eligible ones. */
function modelResolve(fixed: number[], versions: readonly RouteVersion[], anyState = false): string | undefined {
  let best: { v: string; parts: bigint[] } | undefined;
  for (const r of versions) {
    if (!anyState && (r.status !== 'running' || !r.promoted)) continue;
    const parts = stableParts(r.version);
    if (!parts || !fixed.every((n, i) => parts[i] === BigInt(n))) continue;
    if (!best || compare(parts, best.parts) > 0) best = { v: r.version, parts };
  }
  return best?.v;
}

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// ---- parseVersionSpec

test('parseVersionSpec never throws; it returns a consistent spec or undefined', () => {
  fc.assert(
    fc.property(specLike, (raw) => {
      const spec = parseVersionSpec(raw);
      if (spec === undefined) return;
      if (spec.kind === 'latest') assert.equal(raw, 'latest');
      else if (spec.kind === 'exact') {
        assert.equal(spec.version, raw);
        assert.ok(isJobVersion(raw));
      } else {
        assert.ok(spec.fixed.length === 1 || spec.fixed.length === 2, raw);
        assert.ok(spec.fixed.every((n) => Number.isInteger(n) && n >= 0), raw);
        assert.match(raw, /^(0|[1-9]\d*)(\.(0|[1-9]\d*))?(\.x){1,2}$/);
        assert.equal(raw.split('.').length <= 3, true);
        // the fixed numbers are the leading parts of the pattern
        assert.deepEqual(raw.split('.').filter((p) => p !== 'x').map(Number), spec.fixed);
      }
    }),
    { numRuns: RUNS * 2 },
  );
});

test('parseVersionSpec round-trips generated exact versions, latest and x-patterns', () => {
  fc.assert(
    fc.property(version, (v) => assert.deepEqual(parseVersionSpec(v), { kind: 'exact', version: v })),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(pattern, ({ raw, fixed }) => assert.deepEqual(parseVersionSpec(raw), { kind: 'pattern', fixed })),
    { numRuns: RUNS },
  );
  assert.deepEqual(parseVersionSpec('latest'), { kind: 'latest' });
});

test('parseVersionSpec refuses leading zeros, a number after an x, and wildcards alone', () => {
  const bad = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 99 }), fc.constantFrom('.x', '.x.x', '.0.x')).map(([n, rest]) => `0${n}${rest}`),
    fc.tuple(num, num).map(([a, b]) => `${a}.x.${b}`),
    fc.constantFrom('x', 'x.x', 'x.x.x', 'x.1', 'x.1.x', '1.x.x.x', '1.2.3.x', '.x', '1..x', '1.x.'),
  );
  fc.assert(fc.property(bad, (raw) => assert.equal(parseVersionSpec(raw), undefined, raw)), { numRuns: RUNS });
});

// ---- resolveVersion

test('resolveVersion never throws on any spec and any list of versions', () => {
  fc.assert(
    fc.property(specLike, versionList, fc.boolean(), (spec, versions, anyState) => {
      const r = resolveVersion(spec, versions, { anyState });
      if (r) assert.ok(versions.includes(r));
    }),
    { numRuns: RUNS },
  );
});

test('latest and x-patterns pick the highest stable, running, promoted match — never a pre-release', () => {
  const spec = fc.oneof(fc.constant({ raw: 'latest', fixed: [] as number[] }), pattern);
  fc.assert(
    fc.property(spec, versionList, ({ raw, fixed }, versions) => {
      const r = resolveVersion(raw, versions);
      if (r) {
        assert.equal(r.status, 'running', `${raw} resolved to a ${r.status} version`);
        assert.equal(r.promoted, true, `${raw} resolved to an unpromoted version`);
        assert.ok(!r.version.includes('-'), `${raw} resolved to the pre-release ${r.version}`);
      }
      assert.equal(r?.version, modelResolve(fixed, versions), raw);
    }),
    { numRuns: RUNS },
  );
});

test('resolution does not depend on the order of the versions', () => {
  const spec = fc.oneof(fc.constant('latest'), pattern.map((p) => p.raw), version);
  fc.assert(
    fc.property(spec, versionList, fc.nat(), fc.boolean(), (raw, versions, seed, anyState) => {
      assert.equal(resolveVersion(raw, shuffled(versions, seed), { anyState })?.version, resolveVersion(raw, versions, { anyState })?.version);
    }),
    { numRuns: RUNS },
  );
});

test('an exact version resolves to itself whatever its state, and to nothing when absent', () => {
  fc.assert(
    fc.property(versionList, version, (versions, absent) => {
      for (const v of versions) assert.equal(resolveVersion(v.version, versions), v);
      if (!versions.some((v) => v.version === absent)) assert.equal(resolveVersion(absent, versions), undefined);
    }),
    { numRuns: RUNS },
  );
});

test('anyState finds the pending version behind a miss (503) and only matching stable ones', () => {
  const spec = fc.oneof(fc.constant({ raw: 'latest', fixed: [] as number[] }), pattern);
  fc.assert(
    fc.property(spec, versionList, ({ raw, fixed }, versions) => {
      const strict = resolveVersion(raw, versions);
      const any = resolveVersion(raw, versions, { anyState: true });
      assert.equal(any?.version, modelResolve(fixed, versions, true));
      if (strict) assert.ok(any, 'whatever resolves strictly also resolves with anyState');
    }),
    { numRuns: RUNS },
  );
});

// ---- the route table's cache agrees with resolveVersion through any sequence of changes

type Op =
  | { op: 'upsert'; version: string; status: RouteVersion['status']; promoted: boolean }
  | { op: 'remove'; version: string }
  | { op: 'resolve'; spec: string };

test('RouteTable.resolve equals resolveVersion over the current versions after every change', () => {
  const smallVersion = fc.oneof(
    fc.tuple(fc.nat({ max: 3 }), fc.nat({ max: 3 }), fc.nat({ max: 3 })).map(([a, b, c]) => `${a}.${b}.${c}`),
    fc.constantFrom('1.0.0-beta', '2.0.0-rc.1'),
  );
  const smallSpec = fc.oneof(fc.constant('latest'), fc.constantFrom('0.x', '1.x', '1.x.x', '1.0.x', '2.x', '3.1.x', '9.x'), smallVersion);
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('upsert' as const), version: smallVersion, status: fc.constantFrom(...STATUSES), promoted: fc.boolean() }),
    fc.record({ op: fc.constant('remove' as const), version: smallVersion }),
    fc.record({ op: fc.constant('resolve' as const), spec: smallSpec }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      const table = new RouteTable();
      for (const o of ops) {
        if (o.op === 'upsert') table.upsert(route(o.version, o.status, o.promoted));
        else if (o.op === 'remove') table.remove('job', o.version);
        else table.resolve('job', o.spec); // fills the cache, so later checks see a stale entry if any
        for (const spec of ['latest', '1.x', '1.0.x', '2.x', '1.0.0', '1.0.0-beta']) {
          assert.equal(table.resolve('job', spec)?.version, resolveVersion(spec, table.versions('job'))?.version, `${spec} after ${JSON.stringify(o)}`);
        }
      }
    }),
    { numRuns: RUNS },
  );
});

// ---- numbers stay exact: every version number has at most 15 digits (below 2^53)

test('version numbers beyond 15 digits are refused, so versions compare exactly', () => {
  assert.equal(isJobVersion('9007199254740993.0.0'), false);
  assert.equal(parseVersionSpec('9999999999999999.x'), undefined);
  const high = route('999999999999999.0.0', 'running', true);
  const low = route('999999999999998.0.0', 'running', true);
  assert.equal(resolveVersion('latest', [high, low])?.version, '999999999999999.0.0');
  assert.equal(resolveVersion('latest', [low, high])?.version, '999999999999999.0.0');
});
