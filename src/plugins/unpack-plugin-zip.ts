// Unpacks an uploaded plugin (.zip) with the kept `yauzl` reader: entry names are checked by yauzl itself
// (no absolute paths, no `..`), links and devices are refused, and the whole within a quota of files and bytes.
// A zip whose one top-level folder holds plugin.yaml (zipping a folder) is unpacked from inside that folder.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { BadRequestError } from '../core/errors.js';
import { PLUGIN_MANIFEST } from './plugin-manifest.js';

export const MAX_PLUGIN_BYTES = 64 * 1024 * 1024;
export const MAX_PLUGIN_FILES = 5000;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

export async function unpackPluginZip(zip: Buffer, dir: string): Promise<void> {
  const file = await open(zip);
  try {
    const entries = await listEntries(file);
    const prefix = topFolder(entries);
    let bytes = 0;
    for (const entry of entries) {
      const name = entry.fileName.slice(prefix.length);
      if (!name || entry.fileName.endsWith('/')) continue;
      bytes += entry.uncompressedSize;
      if (bytes > MAX_PLUGIN_BYTES) throw new BadRequestError(`plugin: larger than ${MAX_PLUGIN_BYTES} bytes unpacked`);
      const target = join(dir, name);
      await mkdir(dirname(target), { recursive: true });
      const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => file.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
      await pipeline(stream, createWriteStream(target, { mode: 0o644 }));
    }
  } catch (e) {
    throw e instanceof BadRequestError ? e : new BadRequestError(`plugin: not a readable zip archive: ${(e as Error).message}`);
  } finally {
    file.close();
  }
}

function open(zip: Buffer): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (err, file) => {
      if (err || !file) reject(new BadRequestError(`plugin: not a zip archive (${err?.message ?? 'unreadable'})`));
      else resolve(file);
    });
  });
}

/** Every entry, refusing links, devices and archives beyond the quota before a byte is written. */
function listEntries(file: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    file.on('entry', (entry: Entry) => {
      const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
        return reject(new BadRequestError(`plugin: "${entry.fileName}" is a link or a special file; a plugin holds files and folders only`));
      }
      entries.push(entry);
      if (entries.length > MAX_PLUGIN_FILES) return reject(new BadRequestError(`plugin: more than ${MAX_PLUGIN_FILES} entries`));
      file.readEntry();
    });
    file.on('end', () => resolve(entries));
    // yauzl names the entry: an absolute path, a `..` path, a bad header
    file.on('error', (e: Error) => reject(new BadRequestError(`plugin: zip refused: ${e.message}`)));
    file.readEntry();
  });
}

/** `folder/` when plugin.yaml sits in one top-level folder holding everything; '' when it is at the root. */
function topFolder(entries: Entry[]): string {
  const names = entries.map((e) => e.fileName);
  if (names.includes(PLUGIN_MANIFEST)) return '';
  const tops = new Set(names.map((n) => n.split('/')[0]));
  const [only] = tops;
  if (tops.size === 1 && names.includes(`${only}/${PLUGIN_MANIFEST}`)) return `${only}/`;
  throw new BadRequestError(`plugin: no ${PLUGIN_MANIFEST} at the root of the zip (or in its one top-level folder)`);
}
