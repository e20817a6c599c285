import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './open-database.js';
import { SqliteAsyncTaskStore } from './async-task-store.js';
import { runAsyncTaskStoreContract } from '../router/async-task-store-contract.js';

const freshDb = () => openDatabase(join(mkdtempSync(join(tmpdir(), 'rt-async-')), 'db.sqlite'));
runAsyncTaskStoreContract('sqlite store', () => new SqliteAsyncTaskStore(freshDb()));

test('sqlite store: tasks survive reopening the file, and expire after their time to live', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-async-'));
  const first = new SqliteAsyncTaskStore(openDatabase(join(dir, 'db.sqlite')));
  await first.create({ id: 'keep', jobName: 'a', jobVersion: '1.0.0', status: 'ongoing', createdAt: Date.now(),
    request: { method: 'GET', path: '/', headers: [], body: Buffer.alloc(0) } });
  first.close();
  const second = new SqliteAsyncTaskStore(openDatabase(join(dir, 'db.sqlite')));
  assert.equal((await second.get('keep'))?.status, 'ongoing', 'survives a reopen');
  second.close();
  const shortLived = new SqliteAsyncTaskStore(openDatabase(join(dir, 'db.sqlite')), -1);
  await shortLived.create({ id: 'gone', jobName: 'a', jobVersion: '1.0.0', status: 'ongoing', createdAt: Date.now(),
    request: { method: 'GET', path: '/', headers: [], body: Buffer.alloc(0) } });
  assert.equal(await shortLived.get('gone'), undefined, 'expired');
  assert.equal(shortLived.purgeExpired(), 1);
  shortLived.close();
});
