// Derives a Docker/Kubernetes-safe name (DNS-1123 label) from a job name, distinct for every distinct job name.
import { createHash } from 'node:crypto';

const MAX_RESOURCE_NAME = 63;
/** hex digits of sha256(exact name): 64 bits, so no one can pick a name whose resource name equals another job's */
const HASH_DIGITS = 16;

/**
 * A readable part (lower-cased, anything outside a-z0-9- turned into '-') and a hash of the exact name, e.g.
 * `ad_der` → `ad-der-…`, `ad-der` → `ad-der-…` with another hash: names that differ only in case, `_`, `.` or `-` never share it.
 */
export function resourceName(name: string): string {
  const readable = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX_RESOURCE_NAME - HASH_DIGITS - 1)
    .replace(/-+$/, '');
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_DIGITS);
  return `${readable}-${hash}`; // never empty: a job name starts with a letter or digit
}
