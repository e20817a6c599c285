// The VERSION segment of a pub URL: an exact version, `latest`, or an x-pattern (`1.x`, `1.2.x`, `1.x.x`).
import { isJobVersion } from '../manifest/index.js';

export type VersionSpec =
  | { kind: 'exact'; version: string }
  | { kind: 'latest' }
  /** `fixed` holds the leading numeric parts: `1.x` and `1.x.x` → [1], `1.2.x` → [1, 2]. */
  | { kind: 'pattern'; fixed: number[] };

/** the same 15-digit bound as job versions, so a pattern never matches through float rounding */
const NUMERIC = /^(0|[1-9]\d{0,14})$/;

/** Undefined when `raw` is none of the three forms (the gateway answers 400). */
export function parseVersionSpec(raw: string): VersionSpec | undefined {
  if (raw === 'latest') return { kind: 'latest' };
  if (isJobVersion(raw)) return { kind: 'exact', version: raw };
  const parts = raw.split('.');
  if (parts.length < 2 || parts.length > 3) return undefined;
  const fixed: number[] = [];
  let wild = false;
  for (const part of parts) {
    if (part === 'x') wild = true;
    else if (!wild && NUMERIC.test(part)) fixed.push(Number(part));
    else return undefined; // a number after an x (`1.x.2`), or garbage
  }
  return wild && fixed.length > 0 ? { kind: 'pattern', fixed } : undefined;
}
