// A deploy without a push (an uploaded folder, a fetched remote): the caller fills a work tree, which becomes a
// commit in the job's bare repo; the push pipeline deploys that commit, then main moves and `latest` is promoted
// as after a push — so `jobs redeploy` and `jobs move` treat such a version like a pushed one.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subject } from '../auth/index.js';
import { Reporter } from '../core/reporter.js';
import { runProcess } from '../core/run-process.js';
import type { JobsService } from '../jobs/jobs-service.js';
import { waitNotice, type DeployOrigin, type DeployOutcome, type DeployPipeline } from './deploy-pipeline.js';

export interface TreeDeployRequest {
  jobName: string;
  deployer: Subject;
  force: boolean;
  deploymentId?: string;
  onAccepted?: () => void;
}

export interface TreeDeployDeps {
  repos: { lease(name: string): Promise<{ path: string; release(): Promise<void> }> };
  pipeline: DeployPipeline;
  jobs: JobsService;
}

export interface PreparedTree {
  /** what the commit says it is, e.g. "upload" */
  what: string;
  origin?: DeployOrigin;
}

/**
 * `prepare` fills the empty folder it is given (under the job's lock) with the job's files; what it reports goes to
 * the caller at once and opens the deployment's log.
 */
export async function deployTree(deps: TreeDeployDeps, req: TreeDeployRequest, prepare: (work: string, reporter: Reporter) => Promise<PreparedTree>, reporter: Reporter): Promise<DeployOutcome> {
  // before the repo is created, as for a push
  deps.pipeline.checkPermission(req.deployer, req.jobName);
  const lease = await deps.repos.lease(req.jobName);
  const repoPath = lease.path;
  // the lock spans commit to ref update, as a push holds it from pre- to post-receive: main cannot move in between
  return deps.jobs.locks.with(req.jobName, async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rt-tree-'));
    let commit: string;
    let prepared: PreparedTree;
    let preface = '';
    try {
      const work = join(tmp, 'tree');
      mkdirSync(work);
      prepared = await prepare(work, new Reporter((text) => {
        preface += text;
        reporter.replay(text);
      }));
      commit = await commitWorkTree(repoPath, work, join(tmp, 'index'), `${prepared.what} by ${who(req.deployer)}`, req.deployer);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const outcome = await deps.pipeline.deployLocked({
      jobName: req.jobName,
      source: { repoPath, commit, gitEnv: {} },
      origin: prepared.origin,
      preface,
      deployer: req.deployer,
      force: req.force,
      deploymentId: req.deploymentId,
      onAccepted: req.onAccepted,
    }, reporter);
    await deps.jobs.promote(outcome.name, outcome.version);
    await git(repoPath, ['update-ref', 'refs/heads/main', commit]);
    return outcome;
  }, waitNotice(reporter, req.jobName)).finally(() => lease.release());
}

/** Commits the work tree with a temporary index; the bare repo gets only objects. */
async function commitWorkTree(repoPath: string, work: string, indexFile: string, message: string, deployer: Subject): Promise<string> {
  const env = { GIT_WORK_TREE: work, GIT_INDEX_FILE: indexFile };
  await git(repoPath, ['add', '--all', '.'], env, work);
  const tree = await git(repoPath, ['write-tree'], env);
  const parent = await git(repoPath, ['rev-parse', '--verify', '--quiet', 'refs/heads/main^{commit}']).catch(() => '');
  // the same files again: reuse the commit, so the pipeline sees "already serves this commit" as for a re-push
  if (parent && (await git(repoPath, ['rev-parse', `${parent}^{tree}`])) === tree) return parent;
  const email = deployer.kind === 'user' ? deployer.name : `${deployer.name}@racetrack.invalid`;
  return git(repoPath, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message], {
    GIT_AUTHOR_NAME: who(deployer), GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: 'racetrack', GIT_COMMITTER_EMAIL: 'racetrack@racetrack.invalid',
  });
}

function who(deployer: Subject): string {
  return deployer.kind === 'user' ? deployer.name : `${deployer.kind}:${deployer.name}`;
}

/** git on the bare repo with a clean environment; resolves with trimmed stdout. */
async function git(repoPath: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<string> {
  const out = await runProcess('git', args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GIT_DIR: repoPath, ...env },
    what: `git ${args[0]}`,
  });
  return out.trim();
}
