// Deployments as users see them: history, replayed logs, and redeploy/move of a stored commit
// through the same pipeline a push takes.
import { existsSync, readFileSync } from 'node:fs';
import type { AuthService, Subject } from '../auth/index.js';
import type { Deployment, DeploymentStore } from '../db/index.js';
import { JobNotFoundError, NotFoundError, RtError } from '../core/errors.js';
import type { JobsService } from '../jobs/index.js';
import type { AuditLog } from '../audit/index.js';
import type { DeployOutcome, DeployPipeline } from './deploy-pipeline.js';
import type { Reporter } from '../core/reporter.js';

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

  /**
   * `jobs token-rotate`: a new family token, then every serving version is redeployed from its commit so it runs
   * with the new AUTH_TOKEN, then the old token is revoked — also when a redeploy failed, since a rotation answers
   * a leak: such a version keeps serving, but its calls to other jobs are refused until it is redeployed.
   */
  async rotateToken(actor: Subject, name: string, reporter: Reporter): Promise<{ redeployed: string[] }> {
    this.auth.require(actor, 'deploy_job', name);
    // under the job's lock, so no deploy is half-way with the old token when the new one is made
    const token = await this.jobs.locks.with(name, async () => {
      if (!this.jobs.familyExists(name)) throw new JobNotFoundError(name);
      return this.auth.issueFamilyToken(name);
    });
    const serving = this.jobs.versionsOf(name).filter((v) => v.status === 'running' || v.status === 'starting').map((v) => v.version);
    reporter.phase(`New token for ${name}; redeploying ${serving.length ? serving.join(', ') : 'nothing (no version serves)'} with it`);
    const failed: string[] = [];
    for (const version of serving) {
      await this.redeploy(actor, name, version, reporter).catch((e: Error) => {
        failed.push(version);
        reporter.error(`${name} ${version}: ${e.message}`);
      });
    }
    const revoked = this.auth.revokeFamilyTokens(name, token.id);
    const outcome = `redeployed ${serving.filter((v) => !failed.includes(v)).join(' ') || 'none'}${failed.length ? `; failed ${failed.join(' ')}` : ''}`;
    this.audit.record(actor, 'job.token-rotate', { job: name, detail: `${revoked} old token(s) revoked; ${outcome}`, ok: !failed.length });
    if (failed.length) {
      throw new RtError(`the old token of ${name} is revoked, but ${failed.join(', ')} could not be redeployed with the new one`, {
        details: ['they keep serving, and their calls to other jobs are refused until `jobs redeploy` succeeds'],
      });
    }
    reporter.phase(`${name} runs with its new token; the old one is revoked`);
    return { redeployed: serving };
  }
}
