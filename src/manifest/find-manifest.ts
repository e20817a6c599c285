// Finds the job's job.yaml in a pushed commit (CONTRACT §2): the root one, else the one job.yaml in the tree named like the job.
import { BadRequestError } from '../core/errors.js';
import { quote } from './quote.js';
import { readManifestTree } from './read-manifest-tree.js';

const MANIFEST_FILE = 'job.yaml';

/**
 * `root` is the manifest's folder ('' for the repo root). Throws BadRequestError naming every job.yaml
 * found and its name when none or several match, or when the root job.yaml names another job.
 * A manifest too broken to name anything is still returned when it is the root one, so parseManifest reports why.
 */
export function findManifest(
  jobName: string,
  paths: string[],
  readFile: (p: string) => string | undefined,
): { path: string; text: string; root: string } {
  const read = (path: string) => {
    const text = readFile(path);
    return text === undefined ? undefined : { path, text, name: nameIn(text, path, readFile) };
  };

  const atRoot = paths.includes(MANIFEST_FILE) ? read(MANIFEST_FILE) : undefined;
  if (atRoot) {
    if (atRoot.name !== undefined && atRoot.name !== jobName) {
      throw new BadRequestError(`${MANIFEST_FILE} names ${quote(atRoot.name)} but this remote is ${quote(jobName)}`);
    }
    return { path: atRoot.path, text: atRoot.text, root: '' };
  }

  const found = paths
    .filter((p) => p.endsWith(`/${MANIFEST_FILE}`))
    .sort()
    .flatMap((p) => read(p) ?? []);
  const matches = found.filter((m) => m.name === jobName);
  if (matches.length === 1) {
    const match = matches[0]!;
    return { path: match.path, text: match.text, root: match.path.slice(0, -MANIFEST_FILE.length - 1) };
  }
  if (found.length === 0) {
    throw new BadRequestError(`no ${MANIFEST_FILE} in this commit; add one at the root or in the job's folder`);
  }
  const listing = found.map((m) => `${m.path} (${m.name === undefined ? 'no readable name' : `name ${quote(m.name)}`})`).join(', ');
  const problem = matches.length === 0 ? 'no' : 'more than one';
  throw new BadRequestError(`${problem} ${MANIFEST_FILE} named ${quote(jobName)} in this commit; found: ${listing}`);
}

function nameIn(text: string, path: string, readFile: (p: string) => string | undefined): string | undefined {
  const { tree } = readManifestTree(text, path, readFile);
  const name = tree?.['name'];
  return typeof name === 'string' ? name : undefined;
}
