// parseHookRequest: only the exact shape our hook client sends is taken; anything else is refused, never thrown on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHookRequest } from './hook-server.js';

const SHA = 'a'.repeat(40);
const ok = { hook: 'pre-receive', stdin: `${'0'.repeat(40)} ${SHA} refs/heads/main\n`, options: ['force'], gitEnv: { GIT_OBJECT_DIRECTORY: '/q' } };
const parse = (v: unknown) => parseHookRequest(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));

test('the hook client\'s body is taken, keeping only the quarantine variables', () => {
  assert.deepEqual(parse({ ...ok, gitEnv: { ...ok.gitEnv, LD_PRELOAD: '/evil.so' } }), ok);
});

test('null, arrays, wrong types and malformed ref lines are refused', () => {
  for (const bad of ['null', '[]', '"x"', '{', '', { ...ok, hook: 'update' }, { ...ok, stdin: 3 }, { ...ok, options: [1] },
    { ...ok, options: 'force' }, { ...ok, gitEnv: null }, { ...ok, stdin: 'x y z\n' }, { ...ok, stdin: `${SHA} ${SHA} main\n` },
    { ...ok, stdin: `${SHA} ${SHA} refs/heads/main extra\n` }]) {
    assert.equal(parse(bad), undefined, JSON.stringify(bad));
  }
});
