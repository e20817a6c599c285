// unpackTarGz: real tar(1) archives unpack; escapes, links and junk are refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { unpackTarGz } from './unpack-tar-gz.js';

/** One ustar entry, checksum included. */
function entry(name: string, body = '', type = '0', linkname = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  h.write(' '.repeat(8), 148);
  h.write(type, 156);
  h.write(linkname, 157);
  h.write('ustar\u000000', 257, 'latin1');
  h.write(`${h.reduce((a, b) => a + b, 0).toString(8).padStart(6, '0')}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([h, data]);
}

const archive = (...entries: Buffer[]) => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
const QUOTA = { maxBytes: 1024 * 1024, maxFiles: 100 };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rt-unpack-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an archive made by tar(1) unpacks with its folders, long names and executable bits', () => withDir(async (dir) => {
  const src = join(dir, 'src');
  const long = `${'d'.repeat(60)}/${'f'.repeat(80)}.txt`;
  mkdirSync(join(src, 'd'.repeat(60)), { recursive: true });
  writeFileSync(join(src, 'job.yaml'), 'name: x\n');
  writeFileSync(join(src, long), 'long');
  writeFileSync(join(src, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  const tgz = execFileSync('tar', ['-czf', '-', '-C', src, '.']);
  const out = join(dir, 'out');
  assert.equal(await unpackTarGz(tgz, out, QUOTA), 3);
  assert.equal(readFileSync(join(out, 'job.yaml'), 'utf8'), 'name: x\n');
  assert.equal(readFileSync(join(out, long), 'utf8'), 'long');
  assert.ok(statSync(join(out, 'run.sh')).mode & 0o100);
}));

test('absolute paths and .. are refused, naming the entry', () => withDir(async (dir) => {
  await assert.rejects(unpackTarGz(archive(entry('/etc/evil', 'x')), dir, QUOTA), /"\/etc\/evil" is an absolute path/);
  await assert.rejects(unpackTarGz(archive(entry('a/../../evil', 'x')), dir, QUOTA), /"a\/\.\.\/\.\.\/evil" leaves the build folder/);
  assert.ok(!existsSync(join(dir, '..', 'evil')));
}));

test('links are refused; .git folders are skipped', () => withDir(async (dir) => {
  await assert.rejects(unpackTarGz(archive(entry('l', '', '2', '/etc/passwd')), dir, QUOTA), /"l": links are not accepted/);
  await assert.rejects(unpackTarGz(archive(entry('h', '', '1', 'job.yaml')), dir, QUOTA), /"h": links are not accepted/);
  assert.equal(await unpackTarGz(archive(entry('.git/config', 'x'), entry('ok.txt', 'y')), dir, QUOTA), 1);
  assert.ok(!existsSync(join(dir, '.git')));
}));

test('not gzip, not tar, and beyond the quota are one-line errors', () => withDir(async (dir) => {
  await assert.rejects(unpackTarGz(Buffer.from('hello'), dir, QUOTA), /not a gzip-compressed tar archive/);
  await assert.rejects(unpackTarGz(gzipSync(Buffer.alloc(700, 7)), dir, QUOTA), /build_context: /);
  await assert.rejects(unpackTarGz(archive(entry('big', 'x'.repeat(4096))), dir, { maxBytes: 2048, maxFiles: 10 }), /larger than 2048 bytes unpacked/);
  await assert.rejects(unpackTarGz(archive(entry('a', 'x'), entry('b', 'x'), entry('c', 'x')), dir, { maxBytes: 2048, maxFiles: 2 }), /more than 2 files/);
}));

test('a tar bomb stops at the quota without inflating the rest, and never blocks the event loop for long', () => withDir(async (dir) => {
  // 256 files of 1 MiB of zeros: 256 MiB that compress to a few hundred KiB
  const gz = createGzip({ level: 1 });
  const compressed: Buffer[] = [];
  gz.on('data', (c: Buffer) => compressed.push(c));
  const zeros = '\0'.repeat(1024 * 1024);
  for (let i = 0; i < 256; i++) gz.write(entry(`f${i}`, zeros));
  gz.end(Buffer.alloc(1024));
  await new Promise((r) => gz.on('end', r));
  const bomb = Buffer.concat(compressed);
  assert.ok(bomb.length < 2 * 1024 * 1024, `the bomb is small: ${bomb.length}`);

  let longestStall = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longestStall = Math.max(longestStall, now - last);
    last = now;
  }, 5);
  try {
    await assert.rejects(unpackTarGz(bomb, dir, { maxBytes: 16 * 1024 * 1024, maxFiles: 1000 }), /larger than 16777216 bytes unpacked/);
  } finally {
    clearInterval(ticker);
  }
  const written = readdirSync(dir).length;
  assert.ok(written <= 16, `${written} files written, the quota allows 16`);
  // a generous bound: synchronous inflation of such a bomb stalled the loop for seconds
  assert.ok(longestStall < 500, `event loop stalled ${longestStall.toFixed(0)} ms`);
}));
