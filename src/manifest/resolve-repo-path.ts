// Resolves a path written inside a repo file (relative to that file's folder) to a repo-relative path, refusing to leave the repo.
import { quote } from './quote.js';

export function resolveRepoPath(fromFile: string, relative: string): { path: string } | { problem: string } {
  if (relative === '') return { problem: 'is empty' };
  if (relative.startsWith('/')) return { problem: 'must be a path relative to this file, not an absolute path' };
  const segments = fromFile.split('/').slice(0, -1).filter((s) => s !== '' && s !== '.');
  for (const segment of relative.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment !== '..') segments.push(segment);
    else if (segments.pop() === undefined) return { problem: `${quote(relative)} points outside the repository` };
  }
  if (segments.length === 0) return { problem: `${quote(relative)} does not name a file` };
  return { path: segments.join('/') };
}
