// Who may fetch or push a job's repository (CONTRACT §2), the same rule for SSH and HTTP.
import type { AuthService, Subject } from '../auth/index.js';
import { ForbiddenError } from '../core/errors.js';
import type { GitService } from './git-service.js';

export function authorizeGit(auth: AuthService, subject: Subject, service: GitService, jobName: string, familyExists: boolean): void {
  if (service === 'git-upload-pack') return auth.require(subject, 'read_job', jobName);
  if (familyExists) return auth.require(subject, 'deploy_job', jobName);
  if (!auth.can(subject, 'deploy_new_family', jobName)) {
    throw new ForbiddenError(`job "${jobName}" does not exist and you may not create new jobs (deploy_new_family)`);
  }
}
