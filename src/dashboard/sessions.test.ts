// Sessions in SQLite: kept across a restart, ended by logout or idleness, and usable as /pub credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, sessionStore, userStore, tokenStore, escStore } from '../db/index.js';
import { AuthService } from '../auth/index.js';
import { SecretBox } from '../secrets/index.js';
import { Sessions } from './sessions.js';
import { withSessions } from './session-authorizer.js';

const IDLE = 60 * 60_000;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'rt-sessions-'));
  const db = openDatabase(join(dir, 'racetrack.db'));
  const clock = { now: 1_000_000 };
  const open = () => new Sessions(sessionStore(db), IDLE, () => clock.now);
  const opened: Sessions[] = [];
  const sessions = () => {
    const s = open();
    opened.push(s);
    return s;
  };
  return {
    db, clock, sessions,
    done: () => {
      for (const s of opened) s.close();
      db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('a session names its user until logout; the database holds a hash, never the cookie value', () => {
  const t = setup();
  const s = t.sessions();
  const value = s.start('dev@example.com');
  assert.equal(s.use(value), 'dev@example.com');
  const rows = sessionStore(t.db).all();
  assert.equal(rows.length, 1);
  assert.ok(!JSON.stringify(rows).includes(value.slice(4)));
  assert.equal(s.use(`${value}x`), undefined);
  assert.equal(s.use('some-api-token'), undefined);
  s.end(value);
  assert.equal(s.use(value), undefined);
  assert.equal(sessionStore(t.db).all().length, 0);
  t.done();
});

test('a session survives a restart, with the idle time it had', () => {
  const t = setup();
  const first = t.sessions();
  const value = first.start('dev@example.com');
  t.clock.now += IDLE - 1000;
  assert.equal(first.use(value), 'dev@example.com'); // its idle clock restarts here…
  first.close(); // …and is written when the server stops
  t.clock.now += IDLE - 1000; // long after it started, not after it was last used
  assert.equal(t.sessions().use(value), 'dev@example.com');
  t.done();
});

test('an idle session ends: in memory, in the database, and at the next start', () => {
  const t = setup();
  const s = t.sessions();
  const idle = s.start('idle@example.com');
  const busy = s.start('busy@example.com');
  t.clock.now += IDLE / 2;
  s.use(busy);
  t.clock.now += IDLE / 2 + 1;
  s.flush();
  assert.deepEqual(sessionStore(t.db).all().map((r) => r.userEmail), ['busy@example.com']);
  assert.equal(s.use(idle), undefined);
  t.clock.now += IDLE + 1;
  assert.equal(t.sessions().use(busy), undefined);
  t.done();
});

test('on /pub a session cookie authorizes like its user; a deactivated user\'s session does not; tokens still work', async () => {
  const t = setup();
  const users = userStore(t.db);
  const auth = new AuthService(users, tokenStore(t.db), escStore(t.db), new SecretBox(randomBytes(32)));
  await auth.createUser('dev@example.com');
  const s = t.sessions();
  const authorizer = withSessions(auth, s);
  const value = s.start('dev@example.com');
  assert.deepEqual(authorizer.authorizeCall(value, 'adder'), { ok: true, caller: { kind: 'user', name: 'dev@example.com' } });
  const token = auth.createToken('user:dev@example.com', 'cli').token;
  assert.equal(authorizer.authorizeCall(token, 'adder').ok, true);
  auth.setUserActive('dev@example.com', false);
  assert.equal((authorizer.authorizeCall(value, 'adder') as { status: number }).status, 401);
  s.end(value);
  assert.match((authorizer.authorizeCall(value, 'adder') as { error: string }).error, /session ended or expired/);
  t.done();
});
