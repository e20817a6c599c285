// After login the browser goes to `next`: only ever a dashboard page of this server (no open redirect).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeNext } from './account.js';

test('next: a dashboard path is kept; another site, a scheme, a protocol-relative or odd path is replaced', () => {
  assert.equal(safeNext('/dashboard/jobs/adder?version=1.0.0'), '/dashboard/jobs/adder?version=1.0.0');
  for (const attack of ['//evil.example/x', 'https://evil.example/dashboard/', '/dashboard\\@evil.example', '/\\evil.example', '/pub/job/x/1/', 'javascript:alert(1)', '/dashboard/ x', undefined, ['/dashboard/jobs']]) {
    assert.equal(safeNext(attack), '/dashboard/jobs', String(attack));
  }
});
