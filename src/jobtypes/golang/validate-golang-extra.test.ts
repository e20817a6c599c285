// jobtype_extra of golang: Racetrack's gomod names the root go.mod; anything else is named with its field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateGolangExtra } from './validate-golang-extra.js';

test('gomod may name the root go.mod only; home_page is a path; unknown fields are named', () => {
  assert.deepEqual(validateGolangExtra({}), []);
  assert.deepEqual(validateGolangExtra({ gomod: 'go.mod', home_page: '/docs' }), []);
  assert.deepEqual(validateGolangExtra({ gomod: './go.mod' }), []);
  assert.deepEqual(validateGolangExtra({ gomod: 'sub/go.mod' }), ['gomod: "sub/go.mod" must be the go.mod at the job\'s root (Perform is in that module\'s root package)']);
  assert.deepEqual(validateGolangExtra({ gomod: 3 }), ['gomod: must be a non-empty string']);
  assert.deepEqual(validateGolangExtra({ home_page: 'docs' }), ['home_page: "docs" must be a path starting with /']);
  assert.match(validateGolangExtra({ entrypoint_path: 'x.go' })[0]!, /^entrypoint_path: unknown field of the golang job type \(known: gomod, home_page\)$/);
});
