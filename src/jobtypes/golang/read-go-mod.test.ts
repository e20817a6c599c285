// The server parses a job's go.mod itself (to write the main module): a go.mod that is a symlink to a server file
// must not be read, or its first line would come back in the parse error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readGoMod } from './read-go-mod.js';

test('a go.mod symlink to a file of the server is refused unread', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-gomod-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const secret = join(dir, 'server-secret');
  writeFileSync(secret, 'TOPSECRET-LINE\n');
  const job = join(dir, 'job');
  mkdirSync(job);
  symlinkSync(secret, join(job, 'go.mod'));
  await assert.rejects(readGoMod(job), (e: Error) => {
    assert.match(e.message, /^go\.mod: must be a regular file in the job folder$/);
    assert.doesNotMatch(e.message, /TOPSECRET/);
    return true;
  });
});

test('a go.mod is parsed by go: its module path and replaces; a broken one is a one-line error naming go.mod', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rt-gomod-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'go.mod'), 'module example.com/adder\n\ngo 1.16\n\nreplace example.com/words => ./words\n');
  const parsed = await readGoMod(dir);
  assert.equal(parsed?.Module.Path, 'example.com/adder');
  assert.deepEqual(parsed?.Replace?.map((r) => [r.Old.Path, r.New.Path]), [['example.com/words', './words']]);
  writeFileSync(join(dir, 'go.mod'), 'modul broken\n');
  await assert.rejects(readGoMod(dir), /^BadRequestError: go\.mod: /);
  rmSync(join(dir, 'go.mod'));
  assert.equal(await readGoMod(dir), undefined);
});
