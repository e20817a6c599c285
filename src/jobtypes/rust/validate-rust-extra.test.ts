// jobtype_extra of rust: home_page only; anything else is named with its field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRustExtra } from './validate-rust-extra.js';

test('home_page is a path; unknown fields are named', () => {
  assert.deepEqual(validateRustExtra({}), []);
  assert.deepEqual(validateRustExtra({ home_page: '/docs' }), []);
  assert.deepEqual(validateRustExtra({ home_page: 7 }), ['home_page: must be a path starting with /']);
  assert.deepEqual(validateRustExtra({ entrypoint_path: 'mod.rs' }), ['entrypoint_path: unknown field of the rust job type (known: home_page)']);
});
