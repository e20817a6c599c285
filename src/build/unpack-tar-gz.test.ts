// unpackTarGz: real tar(1) archives unpack; escapes, links and junk are refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
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

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'rt-unpack-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an archive made by tar(1) unpacks with its folders, long names and executable bits', () => withDir((dir) => {
  const src = join(dir, 'src');
  const long = `${'d'.repeat(60)}/${'f'.repeat(80)}.txt`;
  mkdirSync(join(src, 'd'.repeat(60)), { recursive: true });
  writeFileSync(join(src, 'job.yaml'), 'name: x\n');
  writeFileSync(join(src, long), 'long');
  writeFileSync(join(src, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  const tgz = execFileSync('tar', ['-czf', '-', '-C', src, '.']);
  const out = join(dir, 'out');
  assert.equal(unpackTarGz(tgz, out), 3);
  assert.equal(readFileSync(join(out, 'job.yaml'), 'utf8'), 'name: x\n');
  assert.equal(readFileSync(join(out, long), 'utf8'), 'long');
  assert.ok(statSync(join(out, 'run.sh')).mode & 0o100);
}));

test('absolute paths and .. are refused, naming the entry', () => withDir((dir) => {
  assert.throws(() => unpackTarGz(archive(entry('/etc/evil', 'x')), dir), /"\/etc\/evil" is an absolute path/);
  assert.throws(() => unpackTarGz(archive(entry('a/../../evil', 'x')), dir), /"a\/\.\.\/\.\.\/evil" leaves the build folder/);
  assert.ok(!existsSync(join(dir, '..', 'evil')));
}));

test('links are refused; .git folders are skipped', () => withDir((dir) => {
  assert.throws(() => unpackTarGz(archive(entry('l', '', '2', '/etc/passwd')), dir), /"l": links are not accepted/);
  assert.equal(unpackTarGz(archive(entry('.git/config', 'x'), entry('ok.txt', 'y')), dir), 1);
  assert.ok(!existsSync(join(dir, '.git')));
}));

test('not gzip, and too large unpacked, are one-line errors', () => withDir((dir) => {
  assert.throws(() => unpackTarGz(Buffer.from('hello'), dir), /not a gzip-compressed tar archive/);
  assert.throws(() => unpackTarGz(archive(entry('big', 'x'.repeat(4096))), dir, 2048), /larger than/);
}));
