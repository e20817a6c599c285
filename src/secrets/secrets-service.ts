// Secret env per job family, runtime or build: set and unset by people, read only by deploys.
import type { SecretStore } from '../db/index.js';
import type { AuthService, Subject } from '../auth/index.js';
import { BadRequestError, NotFoundError } from '../core/errors.js';
import { RESERVED_ENV } from '../jobs/job-env.js';
import type { SecretBox } from './secret-box.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecretInfo {
  key: string;
  kind: 'runtime' | 'build';
  updated_at: string;
}

export class SecretsService {
  constructor(private readonly store: SecretStore, private readonly box: SecretBox, private readonly auth: AuthService) {}

  /** KEY=VALUE pairs; every pair is checked before any is stored. */
  set(actor: Subject, jobName: string, pairs: string[], build: boolean): string[] {
    this.auth.require(actor, 'deploy_job', jobName);
    const parsed = pairs.map((p) => {
      const i = p.indexOf('=');
      const key = i > 0 ? p.slice(0, i) : p;
      if (i <= 0 || !ENV_NAME.test(key)) throw new BadRequestError(`secret: "${key}" is not KEY=VALUE with KEY an env var name`);
      if (RESERVED_ENV.includes(key)) throw new BadRequestError(`secret: ${key} is set by Racetrack and cannot be overridden`);
      return { key, value: p.slice(i + 1) };
    });
    for (const { key, value } of parsed) this.store.set(jobName, key, build, this.box.seal(value, context(jobName, key, build)));
    return parsed.map((p) => p.key);
  }

  list(actor: Subject, jobName: string): SecretInfo[] {
    this.auth.require(actor, 'read_job', jobName);
    return this.store.list(jobName).map((r) => ({ key: r.key, kind: r.build ? 'build' : 'runtime', updated_at: new Date(r.updatedAt).toISOString() }));
  }

  unset(actor: Subject, jobName: string, key: string): void {
    this.auth.require(actor, 'deploy_job', jobName);
    if (this.store.unset(jobName, key) === 0) throw new NotFoundError(`job "${jobName}" has no secret ${key}`);
  }

  /** the decrypted values a deploy hands to the build (build=true) or to the running job */
  values(jobName: string, build: boolean): Record<string, string> {
    return Object.fromEntries(this.store.list(jobName).filter((r) => r.build === build)
      .map((r) => [r.key, this.box.open(r.valueEnc, context(jobName, r.key, build))]));
  }
}

function context(jobName: string, key: string, build: boolean): string {
  return `${jobName}\0${key}\0${build ? 'build' : 'runtime'}`;
}
