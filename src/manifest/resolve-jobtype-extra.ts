// Gathers jobtype_extra (and its deprecated aliases python, golang, docker, wrapper_properties) and has the job type check it.
import type { Findings } from './findings.js';
import type { ParseManifestOptions } from './types.js';

const DEPRECATED_ALIASES = ['python', 'golang', 'docker', 'wrapper_properties'] as const;
export const JOBTYPE_EXTRA_FIELDS = ['jobtype_extra', ...DEPRECATED_ALIASES] as const;

// 'entrypoint_path: is required' from a job type → field jobtype_extra.entrypoint_path, message 'is required'.
const SUBFIELD_MESSAGE = /^([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*): (.+)$/s;

export interface JobtypeRef {
  /** The field the jobtype came from: 'jobtype', or the deprecated 'lang'. */
  field: string;
  /** The job type's name, e.g. 'python3'; undefined when the jobtype itself is invalid. */
  name: string | undefined;
  /** 'latest' or x.y.z */
  version?: string;
}

export function resolveJobtypeExtra(
  f: Findings,
  tree: Record<string, unknown>,
  jobtype: JobtypeRef,
  check: ParseManifestOptions['validateJobtypeExtra'],
): Record<string, unknown> {
  const errorsBefore = f.errors.length;
  const merged = new Map<string, { from: string; value: unknown }>();
  for (const field of JOBTYPE_EXTRA_FIELDS) {
    const value = tree[field];
    if (value === undefined || value === null) continue;
    if (field !== 'jobtype_extra') f.warn(`${field} is deprecated, use jobtype_extra`);
    for (const [key, item] of Object.entries(f.mapping([field], value) ?? {})) {
      const earlier = merged.get(key);
      if (earlier) f.error([field, key], `is also set in ${earlier.from}; set it once, in jobtype_extra`);
      else merged.set(key, { from: field, value: item });
    }
  }
  const extra = Object.fromEntries([...merged].map(([key, { value }]) => [key, value]));
  if (check && jobtype.name !== undefined && f.errors.length === errorsBefore) {
    for (const message of check({ name: jobtype.name, version: jobtype.version ?? 'latest' }, extra)) {
      const sub = SUBFIELD_MESSAGE.exec(message);
      if (message.startsWith('unknown job type')) f.error([jobtype.field], message);
      else if (sub) f.error(['jobtype_extra', ...sub[1]!.split('.')], sub[2]!);
      else f.error(['jobtype_extra'], message);
    }
  }
  return extra;
}
