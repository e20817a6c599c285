// parseManifest for callers that want an exception: throws ManifestError carrying every field error.
import { ManifestError } from '../core/errors.js';
import { parseManifest } from './parse-manifest.js';
import type { Manifest, ParseManifestOptions } from './types.js';

export function loadManifest(text: string, opts: ParseManifestOptions): { manifest: Manifest; warnings: string[] } {
  const result = parseManifest(text, opts);
  if (!result.ok) throw new ManifestError(opts.path, result.errors);
  return { manifest: result.manifest, warnings: result.warnings };
}
