// Unpacks an uploaded build context (tar.gz) into a folder, refusing anything that could leave it:
// absolute paths, `..`, links and devices. Read here rather than by tar(1), so those rules do not
// depend on which tar the server has. https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BadRequestError } from '../core/errors.js';

export const MAX_UNPACKED_BYTES = 256 * 1024 * 1024;

const BLOCK = 512;

/** Writes the archive's regular files and folders under dir; returns how many files it wrote. */
export function unpackTarGz(archive: Buffer, dir: string, maxUnpackedBytes = MAX_UNPACKED_BYTES): number {
  const tar = gunzip(archive, maxUnpackedBytes);
  let files = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  for (let at = 0; at + BLOCK <= tar.length;) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const data = tar.subarray(at + BLOCK, at + BLOCK + size);
    if (data.length < size) throw new BadRequestError('build_context: the tar archive is truncated');
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      paxPath = paxRecords(data).path ?? paxPath;
      continue;
    }
    if (type === 'g' || type === 'K') continue; // global pax defaults and GNU long link names carry nothing we keep
    const name = paxPath ?? longName ?? headerName(header);
    longName = paxPath = undefined;
    const parts = safeParts(name);
    if (parts.includes('.git')) continue; // git metadata of the uploaded folder is not part of the job
    if (type === '5') {
      mkdirSync(join(dir, ...parts), { recursive: true });
    } else if (type === '0' || type === '\0' || type === '7') {
      if (parts.length === 0) throw new BadRequestError(`build_context: "${name}" is not a file name`);
      mkdirSync(join(dir, ...parts.slice(0, -1)), { recursive: true });
      const executable = (octal(header, 100, 8) & 0o111) !== 0;
      writeFileSync(join(dir, ...parts), data, { mode: executable ? 0o755 : 0o644 });
      files++;
    } else {
      const what = type === '1' || type === '2' ? 'links' : 'devices and fifos';
      throw new BadRequestError(`build_context: "${name}": ${what} are not accepted in an upload; push with git to deploy them`);
    }
  }
  return files;
}

function gunzip(archive: Buffer, max: number): Buffer {
  try {
    return gunzipSync(archive, { maxOutputLength: max });
  } catch (e) {
    if (e instanceof RangeError || (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BadRequestError(`build_context: larger than ${max / 1024 / 1024} MiB unpacked`);
    }
    throw new BadRequestError('build_context: not a gzip-compressed tar archive');
  }
}

/** The path's parts, without `.` and empty ones; absolute paths and `..` are refused. */
function safeParts(name: string): string[] {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.includes('\\')) {
    throw new BadRequestError(`build_context: "${name}" is an absolute path; the archive must hold relative paths`);
  }
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new BadRequestError(`build_context: "${name}" leaves the build folder (..)`);
  return parts;
}

function headerName(h: Buffer): string {
  const name = cString(h, 0, 100);
  // ustar splits long names into prefix/name; GNU tar uses that space for other fields
  const ustar = h.subarray(257, 265).toString('latin1') === 'ustar\u000000';
  const prefix = ustar ? cString(h, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(b: Buffer, start: number, length: number): string {
  const field = b.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function octal(b: Buffer, start: number, length: number): number {
  if (b[start]! & 0x80) throw new BadRequestError('build_context: a file is too large (base-256 size field)');
  const text = cString(b, start, length).trim();
  const n = text ? parseInt(text, 8) : 0;
  if (!Number.isSafeInteger(n) || n < 0) throw new BadRequestError('build_context: not a tar archive (bad header)');
  return n;
}

/** `LEN key=value\n` records of a pax extended header. */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let at = 0; at < data.length;) {
    const space = data.indexOf(0x20, at);
    const len = Number(data.subarray(at, space).toString('latin1'));
    if (space < 0 || !Number.isInteger(len) || len <= 0) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}
