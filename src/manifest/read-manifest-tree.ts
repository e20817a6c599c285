// Reads job.yaml and the base it `extends` (one level, inside the repo) into one merged tree of plain data.
import type { FieldError } from '../core/errors.js';
import { deepMerge } from './deep-merge.js';
import { quote } from './quote.js';
import { readYamlMapping, type SourceOf } from './read-yaml-mapping.js';
import { resolveRepoPath } from './resolve-repo-path.js';

export interface ManifestTree {
  /** The merged fields without `extends`; absent when errors stopped the reading. */
  tree?: Record<string, unknown>;
  sourceOf: SourceOf;
  errors: FieldError[];
}

export function readManifestTree(text: string, path: string, readFile: (repoPath: string) => string | undefined): ManifestTree {
  const child = readYamlMapping(text);
  if (!child.value) return child;
  const { extends: extendsPath, ...own } = child.value;
  if (extendsPath === undefined || extendsPath === null) return { tree: own, sourceOf: child.sourceOf, errors: [] };

  const fail = (message: string): ManifestTree => ({ sourceOf: child.sourceOf, errors: [{ field: 'extends', message }] });
  if (typeof extendsPath !== 'string') return fail('must be a path to a base manifest, a string');
  const resolved = resolveRepoPath(path, extendsPath);
  if ('problem' in resolved) return fail(resolved.problem);
  const baseText = readFile(resolved.path);
  if (baseText === undefined) return fail(`base manifest ${quote(resolved.path)} is not in this commit`);

  const base = readYamlMapping(baseText);
  if (!base.value) {
    return {
      sourceOf: child.sourceOf,
      errors: base.errors.map((e) => ({ field: 'extends', message: `${resolved.path}: ${e.field ? `${e.field}: ` : ''}${e.message}` })),
    };
  }
  const { extends: baseExtends, ...baseFields } = base.value;
  if (baseExtends !== undefined && baseExtends !== null) {
    return fail(`base manifest ${quote(resolved.path)} extends another manifest; only one level of extends is allowed`);
  }
  return {
    tree: deepMerge(baseFields, own),
    sourceOf: (p) => child.sourceOf(p) ?? base.sourceOf(p),
    errors: [],
  };
}
