// Deployments as users see them: history, replayed logs, and redeploy/move of a stored commit
// through the same pipeline a push takes.
import { existsSync, readFileSync } from 'node:fs';
import type { AuthService, Subject } from '../auth/index.js';
import type { Deployment, DeploymentStore } from '../db/index.js';
import { NotFoundError } from '../core/errors.js';
import type { JobsService } from '../jobs/index.js';
import type { AuditLog } from '../audit/index.js';
import type { DeployOutcome, DeployPipeline } from './deploy-pipeline.js';
import type { Reporter } from './reporter.js';

export class DeploysService {
  constructor(
    private readonly store: DeploymentStore,
    private readonly pipeline: DeployPipeline,
    private readonly jobs: JobsService,
    private readonly auth: AuthService,
    private readonly audit: AuditLog,
    private readonly repoPath: (name: string) => string,
  ) {}

  list(actor: Subject, jobName?: string): Deployment[] {
    return this.store.list(jobName).filter((d) => this.auth.can(actor, 'read_job', d.jobName));
  }

  show(actor: Subject, id: string): { deployment: Deployment; log: string } {
    const d = this.store.get(id);
    if (!d || !this.auth.can(actor, 'read_job', d.jobName)) throw new NotFoundError(`deployment "${id}" not found`);
    return { deployment: d, log: existsSync(d.logPath) ? readFileSync(d.logPath, 'utf8') : '' };
  }

  /** The build log of the deploy that made NAME VERSION. */
  buildLog(actor: Subject, name: string, version?: string): string {
    return this.show(actor, this.jobs.read(actor, name, version).deploymentId).log;
  }

  /** Rebuild and restart NAME VERSION from its stored commit, optionally on another target. */
  async redeploy(actor: Subject, name: string, version: string, reporter: Reporter, infra?: string): Promise<DeployOutcome> {
    const v = this.jobs.read(actor, name, version);
    const action = infra && infra !== v.target ? 'job.move' : 'job.redeploy';
    try {
      const outcome = await this.pipeline.deploy({
        jobName: name,
        source: { repoPath: this.repoPath(name), commit: v.commit, gitEnv: {} },
        deployer: actor,
        force: true,
        rebuild: true,
        infra: infra ?? v.target,
      }, reporter);
      this.audit.record(actor, action, { job: name, detail: `${v.version}${infra ? ` to ${infra}` : ''}` });
      return outcome;
    } catch (e) {
      this.audit.record(actor, action, { job: name, detail: `${v.version}: ${(e as Error).message}`, ok: false });
      throw e;
    }
  }
}
