// The job types this server knows, by name; jobtype: NAME[:VERSION] in job.yaml picks one.
import { BadRequestError } from '../core/errors.js';
import type { JobType } from './types.js';
import { python3 } from './python3/python3-job-type.js';

const JOB_TYPES: ReadonlyMap<string, JobType> = new Map([python3].map((t) => [t.name, t]));

export function findJobType(name: string): JobType | undefined {
  return JOB_TYPES.get(name);
}

export function getJobType(name: string): JobType {
  const t = JOB_TYPES.get(name);
  if (!t) throw new BadRequestError(`jobtype: unknown job type "${name}"; known: ${jobTypeNames().join(', ')}`);
  return t;
}

export function jobTypeNames(): string[] {
  return [...JOB_TYPES.keys()];
}
