// What `racetrack plugin install` uploads: a .zip file as it is, a folder zipped here (yazl), or a zip downloaded
// from an http(s) URL — each bounded in size, the download in time too.
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import yazl from 'yazl';
import { RtError, UsageError } from '../core/errors.js';
import { MAX_PLUGIN_ZIP_BYTES } from '../plugins/index.js';

const DOWNLOAD_TIMEOUT_MS = 60_000;
const MIB = 1024 * 1024;
const tooLarge = (what: string) => new RtError(`${what}: larger than ${MAX_PLUGIN_ZIP_BYTES / MIB} MiB, the most a server accepts for a plugin`);

export async function readPluginZip(source: string): Promise<{ zip: Buffer; what: string }> {
  if (/^https?:\/\//i.test(source)) return { zip: await download(source), what: source };
  const path = resolve(source);
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new UsageError(`PATH: ${source} does not exist`, ['usage: racetrack plugin install PATH|URL (a .zip, a plugin folder, or an http(s) URL of a zip)']);
  }
  if (stat.isDirectory()) return { zip: await zipFolder(path), what: `${source} (zipped)` };
  if (stat.size > MAX_PLUGIN_ZIP_BYTES) throw tooLarge(source);
  return { zip: readFileSync(path), what: source };
}

/** The folder's files at the zip's root (plugin.yaml among them); .git is left out; a symlink is refused. */
async function zipFolder(dir: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  let size = 0;
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      if (name === '.git') continue;
      const full = join(folder, name);
      const st = lstatSync(full);
      const rel = relative(dir, full);
      if (st.isSymbolicLink()) throw new RtError(`PATH: ${rel} is a symlink; a plugin holds files and folders only`);
      if (st.isDirectory()) walk(full);
      else if (st.isFile()) {
        size += st.size;
        if (size > MAX_PLUGIN_ZIP_BYTES) throw tooLarge(dir);
        zip.addFile(full, rel, { mode: st.mode & 0o755 });
      }
    }
  };
  walk(dir);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function download(url: string): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new RtError(`URL: cannot download ${url}: ${cause}`);
  }
  if (!res.ok || !res.body) throw new RtError(`URL: ${url} answered ${res.status} ${res.statusText}`);
  if (Number(res.headers.get('content-length') ?? 0) > MAX_PLUGIN_ZIP_BYTES) {
    await res.body.cancel();
    throw tooLarge(url);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > MAX_PLUGIN_ZIP_BYTES) throw tooLarge(url);
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof RtError) throw e;
    throw new RtError(`URL: the download of ${url} failed: ${(e as Error).message} (it may take ${DOWNLOAD_TIMEOUT_MS / 1000} s at most)`);
  }
  return Buffer.concat(chunks);
}
