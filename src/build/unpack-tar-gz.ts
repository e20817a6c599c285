// Unpacks an uploaded build context (tar.gz) into a folder as a stream: gunzip runs on libuv's thread pool and
// the kept `tar-stream` parser reads the archive entry by entry, so a large upload never blocks the event loop.
// Within a quota of unpacked bytes and files (a tar bomb stops at the quota, not at the end of the archive);
// absolute paths, `..`, links and devices are refused, so nothing lands outside the folder.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { BadRequestError } from '../core/errors.js';

export interface UnpackQuota {
  /** unpacked bytes of all files together */
  maxBytes: number;
  maxFiles: number;
}

/** Writes the archive's regular files and folders under dir; resolves with how many files it wrote. */
export async function unpackTarGz(archive: Buffer | Readable, dir: string, quota: UnpackQuota): Promise<number> {
  const source = Buffer.isBuffer(archive) ? Readable.from([archive]) : archive;
  const tar = extract();
  let files = 0;
  let bytes = 0;
  const unpacking = (async () => {
    for await (const entry of tar) {
      const header = entry.header;
      const parts = safeParts(header.name);
      if (parts.includes('.git')) {
        entry.resume(); // git metadata of the uploaded folder is not part of the job
        continue;
      }
      if (header.type === 'directory') {
        await mkdir(join(dir, ...parts), { recursive: true });
        entry.resume();
      } else if (header.type === 'file' || header.type === 'contiguous-file') {
        if (parts.length === 0) throw new BadRequestError(`build_context: "${header.name}" is not a file name`);
        if (++files > quota.maxFiles) throw new BadRequestError(`build_context: more than ${quota.maxFiles} files`, ['RACETRACK_MAX_JOB_FILES sets the quota']);
        bytes += header.size ?? 0;
        if (bytes > quota.maxBytes) throw tooLarge(quota);
        await mkdir(join(dir, ...parts.slice(0, -1)), { recursive: true });
        await pipeline(entry, createWriteStream(join(dir, ...parts), { mode: executable(header) ? 0o755 : 0o644 }));
      } else {
        const what = header.type === 'symlink' || header.type === 'link' ? 'links' : `${header.type} entries`;
        throw new BadRequestError(`build_context: "${header.name}": ${what} are not accepted in an upload; push with git to deploy them`);
      }
    }
  })();
  try {
    await Promise.all([pipeline(source, createGunzip(), tar).catch(readError), unpacking]);
  } catch (e) {
    tar.destroy();
    source.destroy();
    throw e instanceof BadRequestError ? e : new BadRequestError(`build_context: ${(e as Error).message}`);
  }
  return files;
}

function readError(e: NodeJS.ErrnoException): never {
  if (e.code?.startsWith('Z_')) throw new BadRequestError('build_context: not a gzip-compressed tar archive');
  throw new BadRequestError(`build_context: not a tar archive (${e.message})`);
}

function tooLarge(quota: UnpackQuota): BadRequestError {
  return new BadRequestError(`build_context: larger than ${quota.maxBytes} bytes unpacked`, ['RACETRACK_MAX_JOB_BYTES sets the quota']);
}

function executable(header: Header): boolean {
  return ((header.mode ?? 0o644) & 0o111) !== 0;
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
