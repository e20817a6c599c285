// jobtype_extra.dockerfile_path of the job types whose image is the job's own Dockerfile (dockerfile, docker-proxy):
// a path inside the job folder, `Dockerfile` unless set.
import { posix } from 'node:path';

export const DEFAULT_DOCKERFILE = 'Dockerfile';

/** messages for jobtype_extra, each starting with `dockerfile_path: `; none when the value is fine or absent */
export function dockerfilePathProblems(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string' || value.trim() === '') return ['dockerfile_path: must be a non-empty string'];
  // control characters are no part of a file name anyone means, and never printed raw
  if (/[\x00-\x1f\x7f]/.test(value)) return ['dockerfile_path: must not contain control characters'];
  if (value.startsWith('/') || value.split(/[\\/]/).includes('..')) {
    return [`dockerfile_path: "${value}" must be a relative path inside the job folder (no leading / and no ..)`];
  }
  return [];
}

/** the Dockerfile's path below the job folder, normalised (`./docker//Dockerfile` → `docker/Dockerfile`); validated before */
export function dockerfilePathOf(extra: Record<string, unknown>): string {
  return posix.normalize(typeof extra.dockerfile_path === 'string' ? extra.dockerfile_path : DEFAULT_DOCKERFILE);
}
