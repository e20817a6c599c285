// The deploy trigger behind our git hooks: pre-receive deploys what was pushed to main/master,
// post-receive promotes it to `latest` and prints where it answers.
import type { Push, PushHandler } from '../git-receive/index.js';
import type { JobsService } from '../jobs/jobs-service.js';
import { waitNotice, type DeployOutcome, type DeployPipeline } from './deploy-pipeline.js';
import { ConflictError } from '../core/errors.js';
import { runProcess } from '../core/run-process.js';
import type { Release } from '../jobs/index.js';
import { parsePushOptions } from './push-options.js';
import type { Reporter } from '../core/reporter.js';

const DEPLOY_BRANCHES = ['refs/heads/main', 'refs/heads/master'];
const ZERO_SHA = /^0+$/;

export class PushDeployer implements PushHandler {
  /** deploys that passed pre-receive, waiting for post-receive to promote them */
  private readonly pending = new Map<string, DeployOutcome>();
  /** a deploying push holds its job's lock until git has moved the branch (or the push ends) */
  private readonly locks = new Map<string, Release>();
  /** pre-receive work in flight: a push whose pusher went away keeps its lock until this settles */
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly pipeline: DeployPipeline, private readonly jobs: JobsService, private readonly publicUrl: () => string) {}

  preReceive(push: Push, reporter: Reporter): Promise<void> {
    const work = this.deployPushed(push, reporter);
    this.running.set(push.id, work.then(() => {}, () => {}));
    return work;
  }

  private async deployPushed(push: Push, reporter: Reporter): Promise<void> {
    const options = parsePushOptions(push.options);
    if (push.refs.some((r) => DEPLOY_BRANCHES.includes(r.ref) && !ZERO_SHA.test(r.newSha))) {
      this.locks.set(push.id, await this.jobs.locks.acquire(push.jobName, waitNotice(reporter, push.jobName)));
    }
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
        await assertRefUnmoved(push.repoPath, ref.ref, ref.oldSha);
        const outcome = await this.pipeline.deployLocked({
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
    try {
      if (!outcome) return;
      this.pending.delete(push.id);
      await this.jobs.promote(outcome.name, outcome.version);
      printUrls(reporter, this.publicUrl(), outcome);
    } finally {
      this.pushEnded(push.id);
    }
  }

  /**
   * The git process of a push is gone (or post-receive is done): its lock is freed once its pre-receive work
   * has settled, so a pusher who disconnects mid-deploy cannot let another deploy of the job run beside this one.
   */
  pushEnded(pushId: string): void {
    const work = this.running.get(pushId) ?? Promise.resolve();
    this.running.delete(pushId);
    void work.then(() => {
      this.locks.get(pushId)?.();
      this.locks.delete(pushId);
      this.pending.delete(pushId);
    });
  }
}

/** A push that waited for another one would fail at the ref update anyway; say why before deploying anything. */
async function assertRefUnmoved(repoPath: string, ref: string, expected: string): Promise<void> {
  const current = await runProcess('git', ['--git-dir', repoPath, 'rev-parse', '--verify', '--quiet', ref]).then((s) => s.trim(), () => '');
  if (current !== (ZERO_SHA.test(expected) ? '' : expected)) {
    throw new ConflictError(`${ref.replace('refs/heads/', '')} moved while this push waited (now ${current.slice(0, 7) || 'deleted'})`, [
      'another push deployed first; fetch, then push again (git push -f to replace it)',
    ]);
  }
}

export function printUrls(reporter: Reporter, base: string, o: { name: string; version: string }): void {
  reporter.phase(`${o.name} ${o.version} is live`);
  reporter.info(`${base}/pub/job/${o.name}/${o.version}/`);
  reporter.info(`${base}/pub/job/${o.name}/latest/`);
}
