import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControlChars, hasControlChars } from './escape-control-chars.js';

test('terminal escapes, C1 controls, bidi overrides and tag characters are escaped; tab and newline are kept', () => {
  assert.equal(escapeControlChars('a\x1b[31mb\x07\r\x7f\x9b\u202eZ\t\n'), 'a\\u001b[31mb\\u0007\\u000d\\u007f\\u009b\\u202eZ\t\n');
  assert.equal(escapeControlChars('tag\u{E0041}'), 'tag\\udb40\\udc41');
  assert.equal(escapeControlChars('plain ünïcödé ✓'), 'plain ünïcödé ✓');
});

test('escaped JSON is still JSON with the same value', () => {
  const value = { email: 'x\u009b\u202e@example.com', detail: 'a\u2028b' };
  assert.deepEqual(JSON.parse(escapeControlChars(JSON.stringify(value))), value);
});

test('hasControlChars finds any of them, tab and newline included', () => {
  for (const bad of ['a\x1bb', 'a\tb', 'a\nb', 'a\u200bb', 'a\u0085b']) assert.equal(hasControlChars(bad), true, JSON.stringify(bad));
  assert.equal(hasControlChars('dev@example.com'), false);
});
