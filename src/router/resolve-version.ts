// Picks the version a pub call means: exact names as they are, `latest` and x-patterns as the
// highest stable (no -label) version that is running and promoted.
import type { RouteVersion } from './types.js';
import { parseVersionSpec } from './parse-version-spec.js';

export interface ResolveOptions {
  /**
   * Consider every version whatever its status or promotion. The gateway uses it only after a
   * miss, to tell "not ready yet" (503) from "no such version" (404).
   */
  anyState?: boolean;
}

/**
 * Exact versions are returned whatever their status (the caller answers 503 when not running);
 * `latest` and patterns skip pre-releases, non-running and unpromoted versions.
 * Undefined when nothing matches or `spec` is not a valid version spec.
 */
export function resolveVersion(spec: string, versions: readonly RouteVersion[], opts: ResolveOptions = {}): RouteVersion | undefined {
  const parsed = parseVersionSpec(spec);
  if (!parsed) return undefined;
  if (parsed.kind === 'exact') return versions.find((v) => v.version === parsed.version);
  const fixed = parsed.kind === 'pattern' ? parsed.fixed : [];
  let best: RouteVersion | undefined;
  let bestParts: number[] | undefined;
  for (const v of versions) {
    if (!opts.anyState && ((v.status !== 'running' && v.status !== 'idle') || !v.promoted)) continue;
    const parts = stableParts(v.version);
    if (!parts || !fixed.every((n, i) => parts[i] === n)) continue;
    if (!bestParts || compareParts(parts, bestParts) > 0) {
      best = v;
      bestParts = parts;
    }
  }
  return best;
}

/** [major, minor, patch] of a stable version; undefined for pre-releases (`1.0.0-rc.1`) and anything else. */
function stableParts(version: string): number[] | undefined {
  const parts = version.split('.');
  if (parts.length !== 3) return undefined;
  const nums = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  return nums.some(Number.isNaN) ? undefined : nums;
}

function compareParts(a: number[], b: number[]): number {
  return a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
}
