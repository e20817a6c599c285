// Which file of a static site's folder a request path names, confined to that folder: the path is decoded once and
// refused with dot segments, backslashes or NUL; every symlink is resolved and whatever leads outside the folder
// counts as missing (a site must not serve /etc/passwd or the data dir through a link), and so does everything when
// the site's folder itself is a link. A folder is its index.html.
import { lstat, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export type StaticFile =
  | { kind: 'file'; /** the root's real path */ root: string; /** the file's real path below it, '/'-separated */ path: string }
  /** a folder asked for without its trailing slash: relative links in its index.html need the slash */
  | { kind: 'folder-without-slash' }
  | { kind: 'missing' }
  | { kind: 'bad'; error: string };

/** `relPath` is the raw (percent-encoded) path below the job's base URL, '/' at least. */
export async function locateStaticFile(root: string, relPath: string): Promise<StaticFile> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relPath);
  } catch {
    return { kind: 'bad', error: 'malformed percent-encoding in the path' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'bad', error: 'the path must not contain backslashes or NUL' };
  if (decoded.split('/').some((s) => s === '.' || s === '..')) return { kind: 'bad', error: 'the path must not contain "." or ".." segments' };

  // the folder itself is no link either: one swapped in for it would make anything it points to "inside"
  if (!(await lstat(root).catch(() => undefined))?.isDirectory()) return { kind: 'missing' };
  const realRoot = await realpath(root);
  const inside = async (path: string): Promise<string | undefined> => {
    const real = await realpath(path).catch(() => undefined);
    return real !== undefined && (real === realRoot || real.startsWith(realRoot + sep)) ? real : undefined;
  };
  let real = await inside(join(realRoot, decoded));
  if (!real) return { kind: 'missing' };
  let info = await stat(real);
  if (info.isDirectory()) {
    if (!decoded.endsWith('/')) return { kind: 'folder-without-slash' };
    real = await inside(join(real, 'index.html'));
    if (!real) return { kind: 'missing' };
    info = await stat(real);
  }
  return info.isFile() ? { kind: 'file', root: realRoot, path: relative(realRoot, real).split(sep).join('/') } : { kind: 'missing' };
}
