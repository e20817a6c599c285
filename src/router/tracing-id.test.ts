import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTracingId } from './tracing-id.js';

test('tracing ids are version 4 UUIDs, none repeated across many batches', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const id = newTracingId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 10_000);
});

test('every hex digit outside the fixed bits varies', () => {
  // a digit stuck at one value would mean a byte left out of the random fill
  const ids = Array.from({ length: 512 }, newTracingId);
  for (let pos = 0; pos < 36; pos++) {
    if ([8, 13, 14, 18, 23].includes(pos)) continue; // dashes, the version digit
    assert.ok(new Set(ids.map((id) => id[pos])).size > 3, `position ${pos} varies`);
  }
});
