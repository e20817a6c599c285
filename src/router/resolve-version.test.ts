// Version specs and their resolution: exact, latest, x-patterns, pre-releases, readiness, promotion.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVersionSpec } from './parse-version-spec.js';
import { resolveVersion } from './resolve-version.js';
import type { RouteVersion } from './types.js';

function v(version: string, over: Partial<RouteVersion> = {}): RouteVersion {
  return { name: 'adder', version, status: 'running', upstreams: ['127.0.0.1:1'], publicEndpoints: [], promoted: true, ...over };
}

const pick = (spec: string, versions: RouteVersion[]) => resolveVersion(spec, versions)?.version;

test('parseVersionSpec accepts exact versions, latest and x-patterns only', () => {
  assert.deepEqual(parseVersionSpec('latest'), { kind: 'latest' });
  assert.deepEqual(parseVersionSpec('1.2.3'), { kind: 'exact', version: '1.2.3' });
  assert.deepEqual(parseVersionSpec('1.2.3-rc.1'), { kind: 'exact', version: '1.2.3-rc.1' });
  assert.deepEqual(parseVersionSpec('1.x'), { kind: 'pattern', fixed: [1] });
  assert.deepEqual(parseVersionSpec('1.x.x'), { kind: 'pattern', fixed: [1] });
  assert.deepEqual(parseVersionSpec('1.2.x'), { kind: 'pattern', fixed: [1, 2] });
  for (const bad of ['', 'x', 'x.x', 'x.x.x', '1', '1.2', '1.x.2', '01.x', '1.2.3.x', 'v1.2.3', '1.2.3+b', 'Latest', '1.X', '1..x', '../x']) {
    assert.equal(parseVersionSpec(bad), undefined, bad);
  }
});

test('an exact version resolves whatever its status, promotion or label', () => {
  const versions = [v('1.0.0'), v('1.1.0', { status: 'starting', promoted: false }), v('2.0.0-rc.1')];
  assert.equal(pick('1.1.0', versions), '1.1.0');
  assert.equal(resolveVersion('1.1.0', versions)?.status, 'starting');
  assert.equal(pick('2.0.0-rc.1', versions), '2.0.0-rc.1');
  assert.equal(pick('3.0.0', versions), undefined);
});

test('latest is the highest stable running promoted version, compared numerically', () => {
  assert.equal(pick('latest', [v('0.9.0'), v('0.10.0'), v('0.2.0')]), '0.10.0');
  assert.equal(pick('latest', [v('1.9.9'), v('10.0.0'), v('2.0.0')]), '10.0.0');
  assert.equal(pick('latest', []), undefined);
});

test('latest skips pre-releases: they are reached by exact name only', () => {
  assert.equal(pick('latest', [v('1.0.0'), v('2.0.0-alpha')]), '1.0.0');
  assert.equal(pick('latest', [v('2.0.0-alpha')]), undefined);
  assert.equal(pick('2.x', [v('2.0.0-alpha'), v('1.0.0')]), undefined);
});

test('latest and patterns skip versions that are not running', () => {
  for (const status of ['starting', 'error', 'lost', 'stopped'] as const) {
    assert.equal(pick('latest', [v('1.0.0'), v('2.0.0', { status })]), '1.0.0', status);
    assert.equal(pick('2.x', [v('1.0.0'), v('2.0.0', { status })]), undefined, status);
  }
});

test('latest and patterns skip versions not promoted yet', () => {
  const versions = [v('1.0.0'), v('1.1.0', { promoted: false })];
  assert.equal(pick('latest', versions), '1.0.0');
  assert.equal(pick('1.x', versions), '1.0.0');
  assert.equal(pick('1.1.x', versions), undefined);
  assert.equal(pick('1.1.0', versions), '1.1.0');
});

test('x-patterns fix the leading numbers', () => {
  const versions = ['1.0.0', '1.2.0', '1.2.7', '1.10.1', '2.0.0', '2.1.3', '12.0.0'].map((x) => v(x));
  assert.equal(pick('1.x', versions), '1.10.1');
  assert.equal(pick('1.x.x', versions), '1.10.1');
  assert.equal(pick('1.2.x', versions), '1.2.7');
  assert.equal(pick('2.x', versions), '2.1.3');
  assert.equal(pick('2.0.x', versions), '2.0.0');
  assert.equal(pick('3.x', versions), undefined);
  assert.equal(pick('12.x', versions), '12.0.0');
});

test('anyState considers every version, for telling 503 from 404', () => {
  const versions = [v('1.0.0', { status: 'starting', promoted: false })];
  assert.equal(resolveVersion('latest', versions), undefined);
  assert.equal(resolveVersion('latest', versions, { anyState: true })?.version, '1.0.0');
  assert.equal(resolveVersion('2.x', versions, { anyState: true }), undefined);
});

test('an invalid spec resolves to nothing', () => {
  assert.equal(resolveVersion('1.x.2', [v('1.0.2')]), undefined);
  assert.equal(resolveVersion('', [v('1.0.0')]), undefined);
});
