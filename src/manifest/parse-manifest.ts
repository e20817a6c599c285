// Parses, merges (`extends`) and validates a job.yaml without touching the disk: other repo files come through opts.readFile.
import { readManifestTree } from './read-manifest-tree.js';
import type { ManifestResult, ParseManifestOptions } from './types.js';
import { validateManifest } from './validate-manifest.js';

/** Never throws on any text; every problem comes back in `errors`, each naming its field. */
export function parseManifest(text: string, opts: ParseManifestOptions): ManifestResult {
  const { tree, sourceOf, errors } = readManifestTree(text, opts.path, opts.readFile);
  if (!tree) return { ok: false, errors, warnings: [] };
  return validateManifest(tree, { sourceOf, validateJobtypeExtra: opts.validateJobtypeExtra });
}
