// The route table: changes, promotion, cached resolution, frozen copies, change listeners.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteTable } from './route-table.js';
import type { RouteVersion } from './types.js';

function v(name: string, version: string, over: Partial<RouteVersion> = {}): RouteVersion {
  return { name, version, status: 'running', upstreams: ['127.0.0.1:1'], publicEndpoints: [], promoted: true, ...over };
}

test('upsert, get, resolve and list', () => {
  const t = new RouteTable();
  t.upsert(v('a', '1.0.0'));
  t.upsert(v('a', '1.1.0'));
  t.upsert(v('b', '0.0.1'));
  assert.equal(t.resolve('a', 'latest')?.version, '1.1.0');
  assert.equal(t.get('b', '0.0.1')?.name, 'b');
  assert.deepEqual(t.list().map((x) => `${x.name}@${x.version}`).sort(), ['a@1.0.0', 'a@1.1.0', 'b@0.0.1']);
  assert.equal(t.resolve('c', 'latest'), undefined);
});

test('a deploy is routable by exact version at once, and by latest only after promote', () => {
  const t = new RouteTable();
  t.upsert(v('a', '1.0.0'));
  t.upsert(v('a', '2.0.0', { promoted: false }));
  assert.equal(t.resolve('a', 'latest')?.version, '1.0.0');
  assert.equal(t.resolve('a', '2.0.0')?.version, '2.0.0');
  t.upsert(v('a', '2.0.0'));
  assert.equal(t.resolve('a', 'latest')?.version, '2.0.0');
});

test('cached resolutions follow every change', () => {
  const t = new RouteTable();
  t.upsert(v('a', '1.0.0'));
  t.upsert(v('a', '1.1.0'));
  assert.equal(t.resolve('a', '1.x')?.version, '1.1.0');
  t.upsert(v('a', '1.1.0', { status: 'error' }));
  assert.equal(t.resolve('a', '1.x')?.version, '1.0.0');
  t.remove('a', '1.0.0');
  assert.equal(t.resolve('a', '1.x'), undefined);
  assert.equal(t.hasJob('a'), true);
  t.remove('a', '1.1.0');
  assert.equal(t.hasJob('a'), false);
  t.replaceAll([v('a', '3.0.0'), v('b', '1.0.0')]);
  assert.equal(t.resolve('a', 'latest')?.version, '3.0.0');
  assert.equal(t.get('a', '1.1.0'), undefined);
});

test('removing the last version removes the job', () => {
  const t = new RouteTable();
  t.upsert(v('a', '1.0.0'));
  t.remove('a', '1.0.0');
  assert.equal(t.hasJob('a'), false);
});

test('the table keeps its own frozen copies', () => {
  const t = new RouteTable();
  const mine = v('a', '1.0.0');
  t.upsert(mine);
  mine.status = 'error';
  mine.upstreams.push('127.0.0.1:2');
  assert.equal(t.get('a', '1.0.0')?.status, 'running');
  assert.deepEqual(t.get('a', '1.0.0')?.upstreams, ['127.0.0.1:1']);
  assert.throws(() => { (t.get('a', '1.0.0') as RouteVersion).status = 'error'; });
});

test('onChange listeners hear every change until unsubscribed', () => {
  const t = new RouteTable();
  let n = 0;
  const off = t.onChange(() => n++);
  t.upsert(v('a', '1.0.0'));
  t.remove('a', '1.0.0');
  off();
  t.upsert(v('a', '1.0.0'));
  assert.equal(n, 2);
});
