import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { dispatch } from './dispatch.js';
import { NotFoundError } from '../core/errors.js';
import type { CommandContext } from './types.js';

function context(services: unknown = {}) {
  const printed = { out: '', err: '' };
  const ctx: Omit<CommandContext, 'args'> = {
    subject: { kind: 'esc', name: 'test' },
    services: services as CommandContext['services'],
    stdin: new PassThrough(),
    out: (t) => void (printed.out += t),
    err: (t) => void (printed.err += t),
    signal: new AbortController().signal,
  };
  return { ctx, printed };
}

test('a command group alone or with --help lists its commands and exits 0', async () => {
  for (const argv of [['jobs'], ['jobs', '--help'], ['jobs', '-h']]) {
    const { ctx, printed } = context();
    assert.equal(await dispatch(argv, ctx), 0, argv.join(' '));
    assert.match(printed.out, /^usage: ssh rt jobs COMMAND \[ARGS\]/);
    assert.match(printed.out, /^ {2}jobs list \[--all\] \[--json\]/m);
    assert.doesNotMatch(printed.out, /^ {2}(tokens|users) /m);
  }
});

test('unknown commands, in a group or not, are usage errors (exit 2)', async () => {
  const inGroup = context();
  assert.equal(await dispatch(['jobs', 'bogus'], inGroup.ctx), 2);
  assert.equal(inGroup.printed.err, 'error: unknown command "jobs bogus"\nrun `ssh rt jobs` for its commands\n');
  const alone = context();
  assert.equal(await dispatch(['bogus', '--help'], alone.ctx), 2);
  assert.match(alone.printed.err, /run `ssh rt help` for the list of commands/);
});

test('what a command prints, errors included, has its control characters escaped', async () => {
  const { ctx, printed } = context({ access: { grant: (_s: unknown, subject: string) => { throw new NotFoundError(`user ${subject.slice(5)} not found`); } } });
  assert.equal(await dispatch(['grant', 'user:x\x1b]0;pwned\x07\u202e@example.com', 'adder', 'call_job'], ctx), 1);
  assert.equal(printed.err, 'error: user x\\u001b]0;pwned\\u0007\\u202e@example.com not found\n');
});
