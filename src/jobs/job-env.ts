// The environment every job process gets: its manifest's runtime_env and secrets plus Racetrack's variables.
import type { Manifest } from '../manifest/index.js';
import { ManifestError, type FieldError } from '../core/errors.js';

/** Names Racetrack sets itself; a job may not override them (nor the ones its job type reserves). */
export const RESERVED_ENV = ['JOB_NAME', 'JOB_VERSION', 'JOB_DEPLOYMENT_TIMESTAMP', 'GIT_VERSION', 'PUB_URL', 'AUTH_TOKEN', 'PORT'];

export function checkReservedEnv(manifestPath: string, manifest: Manifest, jobTypeReserved: readonly string[] = []): void {
  const errors: FieldError[] = [];
  for (const field of ['runtime_env', 'build_env'] as const) {
    for (const key of Object.keys(manifest[field])) {
      if (RESERVED_ENV.includes(key)) errors.push({ field: `${field}.${key}`, message: `${key} is set by Racetrack and cannot be overridden` });
      else if (jobTypeReserved.includes(key)) errors.push({ field: `${field}.${key}`, message: `${key} is set by the ${manifest.jobtype} job type and cannot be overridden` });
    }
  }
  if (errors.length) throw new ManifestError(manifestPath, errors);
}

export function jobEnv(opts: {
  name: string;
  version: string;
  /** the commit it was built from: GIT_VERSION */
  commit: string;
  manifest: Manifest;
  secrets: Record<string, string>;
  pubUrl: string;
  authToken: string;
  deployedAt: number;
}): Record<string, string> {
  return {
    ...opts.manifest.runtime_env,
    ...opts.secrets,
    JOB_NAME: opts.name,
    JOB_VERSION: opts.version,
    GIT_VERSION: opts.commit,
    JOB_DEPLOYMENT_TIMESTAMP: String(Math.floor(opts.deployedAt / 1000)),
    PUB_URL: opts.pubUrl,
    AUTH_TOKEN: opts.authToken,
  };
}
