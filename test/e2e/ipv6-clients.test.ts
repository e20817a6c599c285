// Per-client limits hold against a client with an IPv6 /64 (CONTRACT §9, §10): a host may send from any of its
// 2^64 addresses, so the connection cap, the failed-auth budget and the registration throttle count per /64. The
// attack runs against a real server inside a private network namespace (test/ipv6-prefix-attack.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, run } from '../harness.js';

test('fresh addresses of one /64 share one budget: connections, failed logins (HTTP and ssh) and registrations; the next /64 has its own', { timeout: 120_000 }, async () => {
  const r = await run('unshare', ['-rn', process.execPath, '--import', 'tsx', join(ROOT, 'test', 'ipv6-prefix-attack.ts')], { cwd: ROOT });
  assert.equal(r.code, 0, `the attack script failed:\n${r.stdout}\n${r.stderr}`);
  const seen = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.deepEqual(seen.held, ['answered', 'answered', 'answered', 'answered']);
  assert.equal(seen.overCap, 'closed', 'a fifth connection from the same /64 is over the cap of 4');
  assert.equal(seen.nextPrefix, 'answered');
  assert.deepEqual(seen.wrongToken, Array(20).fill(401));
  assert.equal(seen.rightTokenAfter, 429, 'the /64 spent its budget of failures: even the right token waits');
  assert.equal(seen.rightTokenNextPrefix, 200);
  assert.equal(seen.sshAfter, 255, 'over ssh too, with a good key');
  assert.equal(seen.sshNextPrefix, 0);
  assert.deepEqual(seen.registrations, [...Array(10).fill(201), 429]);
  assert.equal(seen.registrationNextPrefix, 201);
});
