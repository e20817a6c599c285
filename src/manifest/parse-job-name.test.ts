import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from '../core/errors.js';
import { isValidJobName } from './is-valid-job-name.js';
import { parseJobName } from './parse-job-name.js';

test('parseJobName returns valid names unchanged', () => {
  for (const name of ['adder', 'a', '9lives', 'My_Job.v2-x', 'a'.repeat(63)]) assert.equal(parseJobName(name), name);
});

test('parseJobName throws BadRequestError naming the problem', () => {
  const cases: [string, RegExp][] = [
    ['', /is empty/],
    ['a'.repeat(64), /64 characters long; the limit is 63/],
    ['-adder', /must start with a letter or a digit/],
    ['_adder', /must start with a letter or a digit/],
    ['.git', /must start with a letter or a digit/],
    ['../etc', /must start with a letter or a digit/],
    ['a/b', /contains "\/"/],
    ['a b', /contains " "/],
    ['adder\n', /contains "\\n"/],
    ['ad;rm', /contains ";"/],
    ['adder%2F', /contains "%"/],
  ];
  for (const [raw, problem] of cases) {
    assert.throws(() => parseJobName(raw), (e: unknown) => e instanceof BadRequestError && problem.test(e.message), raw);
  }
});

test('parseJobName strips nothing: adder.git is a valid name of its own', () => {
  assert.equal(parseJobName('adder.git'), 'adder.git');
  assert.throws(() => parseJobName(' adder'), BadRequestError);
});

test('isValidJobName agrees with parseJobName', () => {
  assert.equal(isValidJobName('adder'), true);
  assert.equal(isValidJobName('a'.repeat(64)), false);
  assert.equal(isValidJobName('x/y'), false);
  assert.equal(isValidJobName(''), false);
});
