import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitCommand } from './split-command.js';

test('splitCommand splits on spaces and honours quotes', () => {
  assert.deepEqual(splitCommand("git-receive-pack '/adder.git'"), ['git-receive-pack', '/adder.git']);
  assert.deepEqual(splitCommand('jobs  list --json'), ['jobs', 'list', '--json']);
  assert.deepEqual(splitCommand(`secrets set a "K=two words" 'x y'`), ['secrets', 'set', 'a', 'K=two words', 'x y']);
  assert.deepEqual(splitCommand('a\\ b ""'), ['a b', '']);
});

test('splitCommand rejects an unterminated quote', () => {
  assert.throws(() => splitCommand("jobs 'list"), /unterminated ' quote/);
});
