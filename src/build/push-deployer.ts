// The deploy trigger behind our git hooks: pre-receive deploys what was pushed to main/master,
// post-receive promotes it to `latest` and prints where it answers.
import type { Push, PushHandler } from '../git-receive/index.js';
import type { JobsService } from '../jobs/jobs-service.js';
import type { DeployOutcome, DeployPipeline } from './deploy-pipeline.js';
import { parsePushOptions } from './push-options.js';
import type { Reporter } from './reporter.js';

const DEPLOY_BRANCHES = ['refs/heads/main', 'refs/heads/master'];
const ZERO_SHA = /^0+$/;

export class PushDeployer implements PushHandler {
  /** deploys that passed pre-receive, waiting for post-receive to promote them */
  private readonly pending = new Map<string, DeployOutcome>();

  constructor(private readonly pipeline: DeployPipeline, private readonly jobs: JobsService, private readonly publicUrl: () => string) {}

  async preReceive(push: Push, reporter: Reporter): Promise<void> {
    const options = parsePushOptions(push.options);
    let deployed = false;
    for (const ref of push.refs) {
      if (ZERO_SHA.test(ref.newSha)) {
        reporter.info(`${ref.ref} deleted`);
      } else if (!DEPLOY_BRANCHES.includes(ref.ref)) {
        reporter.info(`${ref.ref.replace('refs/heads/', 'branch ')} stored, not deployed (pushes to main or master deploy)`);
      } else if (deployed) {
        reporter.info(`${ref.ref} stored, not deployed: this push already deploys another branch`);
      } else {
        deployed = true;
        const outcome = await this.pipeline.deploy({
          jobName: push.jobName,
          source: { repoPath: push.repoPath, commit: ref.newSha, gitEnv: push.gitEnv },
          deployer: push.pusher,
          force: options.force,
          infra: options.infra,
        }, reporter);
        this.pending.set(push.id, outcome);
      }
    }
  }

  async postReceive(push: Push, reporter: Reporter): Promise<void> {
    const outcome = this.pending.get(push.id);
    if (!outcome) return;
    this.pending.delete(push.id);
    this.jobs.promote(outcome.name, outcome.version);
    printUrls(reporter, this.publicUrl(), outcome);
  }
}

export function printUrls(reporter: Reporter, base: string, o: { name: string; version: string }): void {
  reporter.phase(`${o.name} ${o.version} is live`);
  reporter.info(`${base}/pub/job/${o.name}/${o.version}/`);
  reporter.info(`${base}/pub/job/${o.name}/latest/`);
}
