// Router: parameters, literal segments before parameters, 405 for a path served under other methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from './router.js';

const router = new Router<string>()
  .add('GET', '/job', 'list')
  .add('GET', '/job/:name/:version', 'get')
  .add('DELETE', '/job/:name/:version', 'delete')
  .add('GET', '/job/:name/:version/logs', 'logs');

test('routes by method and path, decoding parameters', () => {
  assert.deepEqual(router.match('GET', '/job'), { handler: 'list', params: {} });
  assert.deepEqual(router.match('DELETE', '/job/adder/0.0.2'), { handler: 'delete', params: { name: 'adder', version: '0.0.2' } });
  assert.deepEqual(router.match('GET', '/job/a%2Eb/latest/logs'), { handler: 'logs', params: { name: 'a.b', version: 'latest' } });
});

test('a known path with another method lists the allowed ones; an unknown path is undefined', () => {
  assert.deepEqual(router.match('POST', '/job/adder/1.0.0'), { allowed: ['GET', 'DELETE'] });
  assert.equal(router.match('GET', '/nope'), undefined);
  assert.equal(router.match('GET', '/job/adder'), undefined);
});

test('a malformed escape is a 400', () => {
  assert.throws(() => router.match('GET', '/job/%E0%A4%A/1'), /malformed URL segment/);
});
