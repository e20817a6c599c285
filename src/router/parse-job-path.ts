// Splits the part of a pub URL after `/pub/job/` into NAME, VERSION and the rest, without throwing on odd input.

export type JobPath =
  | { ok: true; name: string; spec: string; /** `/PATH?query`, `?query` or '' — passed to the job untouched. */ rest: string; /** The rest's path below the job root, '/' at least. */ relPath: string }
  | { ok: false; status: 400 | 404; error: string };

const USAGE = 'expected /pub/job/NAME/VERSION/PATH';

/** `start` is the index in `url` just after `/pub/job/` (or `/pub/async/new/job/`). */
export function parseJobPath(url: string, start: number): JobPath {
  const nameEnd = url.indexOf('/', start);
  if (nameEnd < 0) return { ok: false, status: 404, error: USAGE };
  let versionEnd = nameEnd + 1;
  while (versionEnd < url.length && url.charCodeAt(versionEnd) !== 0x2f /* / */ && url.charCodeAt(versionEnd) !== 0x3f /* ? */) versionEnd++;
  const name = decodeSegment(url.slice(start, nameEnd));
  const spec = decodeSegment(url.slice(nameEnd + 1, versionEnd));
  if (name === undefined || spec === undefined) return { ok: false, status: 400, error: 'malformed percent-encoding in the URL' };
  if (name.includes('?')) return { ok: false, status: 404, error: USAGE };
  if (spec === '') return { ok: false, status: 400, error: `missing version: ${USAGE}` };
  const rest = url.slice(versionEnd);
  const q = rest.indexOf('?');
  const relPath = (q < 0 ? rest : rest.slice(0, q)) || '/';
  if (hasDotSegment(relPath)) return { ok: false, status: 400, error: 'the path must not contain "." or ".." segments' };
  return { ok: true, name, spec, rest, relPath };
}

function decodeSegment(raw: string): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * A job that normalises `..` (or `%2e%2e`) would serve a path outside the one we authorised,
 * e.g. a public prefix; no client needs dot segments, since browsers and curl remove them.
 * https://www.rfc-editor.org/rfc/rfc3986#section-5.2.4
 */
function hasDotSegment(path: string): boolean {
  if (!path.includes('/.') && !path.includes('%')) return false;
  for (const segment of path.split('/')) {
    const decoded = segment.includes('%') ? decodeSegment(segment) : segment;
    if (decoded === undefined) continue; // not ours to judge: the job answers malformed paths
    if (decoded === '.' || decoded === '..' || /(^|[\\/])\.\.?([\\/]|$)/.test(decoded)) return true;
  }
  return false;
}
