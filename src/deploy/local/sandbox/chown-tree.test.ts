import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chownTree } from './chown-tree.js';

test('a job folder goes to the job\'s uid; a symlink in it is changed itself, never what it points at', () => {
  const root = mkdtempSync(join(tmpdir(), 'rt-chown-'));
  const outside = join(root, 'outside.txt');
  writeFileSync(outside, 'not the job\'s');
  const job = join(root, 'job');
  mkdirSync(join(job, 'sub'), { recursive: true });
  writeFileSync(join(job, 'sub', 'f.py'), '');
  symlinkSync(outside, join(job, 'link'));
  symlinkSync(root, join(job, 'dirlink'));
  const uid = process.getuid!() === 0 ? 2000000123 : process.getuid!();
  chownTree(job, uid, uid);
  for (const p of [job, join(job, 'sub'), join(job, 'sub', 'f.py'), join(job, 'link'), join(job, 'dirlink')]) assert.equal(lstatSync(p).uid, uid, p);
  assert.equal(statSync(outside).uid, process.getuid!());
  assert.equal(statSync(root).uid, process.getuid!());
});
