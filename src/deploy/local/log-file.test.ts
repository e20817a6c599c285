import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogFile } from './log-file.js';

test('a log file rotates at its size bound, keeping one old file', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'rt-log-')), 'job.log');
  const log = new LogFile(path, 100);
  for (let i = 0; i < 30; i++) log.write(`line ${i}\n`);
  log.close();
  assert.ok(existsSync(`${path}.1`));
  assert.ok(statSync(path).size <= 100);
  assert.ok(statSync(`${path}.1`).size <= 100);
});

test('read gives the last lines, then follows new ones until aborted', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'rt-log-')), 'job.log');
  const log = new LogFile(path);
  log.write('a\nb\nc\n');
  const abort = new AbortController();
  const seen: string[] = [];
  const reading = (async () => {
    for await (const line of LogFile.read(path, { tail: 2, follow: true, signal: abort.signal })) {
      seen.push(line);
      if (seen.length === 3) abort.abort();
    }
  })();
  setTimeout(() => log.write('d\n'), 50);
  await reading;
  log.close();
  assert.deepEqual(seen, ['b', 'c', 'd']);
});
