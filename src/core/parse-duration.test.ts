import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './parse-duration.js';

test('durations: units, bare seconds, and a one-line error naming the field', () => {
  assert.equal(parseDuration('500ms', 'x'), 500);
  assert.equal(parseDuration('30', 'x'), 30_000);
  assert.equal(parseDuration('1.5s', 'x'), 1500);
  assert.equal(parseDuration('15m', 'x'), 900_000);
  assert.equal(parseDuration('2h', 'x'), 7_200_000);
  assert.equal(parseDuration('1d', 'x'), 86_400_000);
  assert.throws(() => parseDuration('soon', 'RACETRACK_IDLE_STOP_AFTER'), /^UsageError: RACETRACK_IDLE_STOP_AFTER: "soon" is not a duration/);
  assert.throws(() => parseDuration('-1s', 'x'), /not a duration/);
  assert.throws(() => parseDuration('9999d', 'x'), /not a duration/);
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(250), '250ms');
});
