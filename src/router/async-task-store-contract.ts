// The behaviour every AsyncTaskStore must have; each implementation's test runs this suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AsyncTask, AsyncTaskStore } from './types.js';

const task = (id: string): AsyncTask => ({
  id,
  jobName: 'adder',
  jobVersion: '1.0.0',
  caller: { kind: 'user', name: 'a@example.com' },
  status: 'ongoing',
  request: { method: 'POST', path: '/api/v1/perform', headers: [['content-type', 'application/json']], body: Buffer.from('{"numbers":[1]}') },
  createdAt: Date.now(),
});

export function runAsyncTaskStoreContract(name: string, make: () => AsyncTaskStore): void {
  test(`${name}: a created task reads back as ongoing with its request intact`, async () => {
    const store = make();
    await store.create(task('t1'));
    const t = await store.get('t1');
    assert.equal(t?.status, 'ongoing');
    assert.equal(t?.request.body.toString(), '{"numbers":[1]}');
    assert.deepEqual(t?.caller, { kind: 'user', name: 'a@example.com' });
    assert.deepEqual((await store.listOngoing()).map((x) => x.id), ['t1']);
  });

  test(`${name}: waitFor wakes when the task completes, with the job's answer`, async () => {
    const store = make();
    await store.create(task('t2'));
    const waiting = store.waitFor('t2', 5000);
    await store.complete('t2', { status: 201, headers: [['x-a', '1'], ['set-cookie', 'a'], ['set-cookie', 'b']], body: Buffer.from('42') });
    const t = await waiting;
    assert.equal(t?.status, 'done');
    assert.equal(t?.result?.status, 201);
    assert.equal(t?.result?.body.toString(), '42');
    assert.deepEqual(t?.result?.headers.filter(([k]) => k === 'set-cookie').map(([, v]) => v), ['a', 'b']);
    assert.deepEqual(await store.listOngoing(), []);
  });

  test(`${name}: waitFor gives the current state after the timeout; a finished task stays finished`, async () => {
    const store = make();
    await store.create(task('t3'));
    assert.equal((await store.waitFor('t3', 20))?.status, 'ongoing');
    await store.fail('t3', 'interrupted');
    await store.complete('t3', { status: 200, headers: [], body: Buffer.from('late') });
    const t = await store.get('t3');
    assert.deepEqual([t?.status, t?.error], ['failed', 'interrupted']);
    assert.equal(await store.get('missing'), undefined);
  });
}
