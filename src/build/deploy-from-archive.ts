// A deploy without git on the client (POST /lifecycle/api/v1/deploy): the uploaded tar.gz becomes a commit
// in the job's bare repo, the push pipeline deploys that commit, then main moves and `latest` is promoted
// as after a push — so `jobs redeploy` and `jobs move` treat an uploaded version like a pushed one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Subject } from '../auth/index.js';
import { runProcess } from '../core/run-process.js';
import type { JobsService } from '../jobs/jobs-service.js';
import { waitNotice, type DeployOutcome, type DeployPipeline } from './deploy-pipeline.js';
import type { Reporter } from '../core/reporter.js';
import { unpackTarGz, type UnpackQuota } from './unpack-tar-gz.js';

export interface ArchiveDeployRequest {
  jobName: string;
  /** the job's folder as a gzip-compressed tar */
  archive: Buffer;
  /** written as the root job.yaml, replacing the archive's own */
  manifest?: Record<string, unknown>;
  deployer: Subject;
  force: boolean;
  deploymentId?: string;
  onAccepted?: () => void;
}

export interface ArchiveDeployDeps {
  repos: { lease(name: string): Promise<{ path: string; release(): Promise<void> }> };
  pipeline: DeployPipeline;
  jobs: JobsService;
  /** RACETRACK_MAX_JOB_BYTES / RACETRACK_MAX_JOB_FILES */
  quota: UnpackQuota;
}

export async function deployFromArchive(deps: ArchiveDeployDeps, req: ArchiveDeployRequest, reporter: Reporter): Promise<DeployOutcome> {
  // before the repo is created, as for a push
  deps.pipeline.checkPermission(req.deployer, req.jobName);
  const lease = await deps.repos.lease(req.jobName);
  const repoPath = lease.path;
  // the lock spans commit to ref update, as a push holds it from pre- to post-receive: main cannot move in between
  return deps.jobs.locks.with(req.jobName, async () => {
    const commit = await commitArchive(repoPath, req, deps.quota);
    const outcome = await deps.pipeline.deployLocked({
      jobName: req.jobName,
      source: { repoPath, commit, gitEnv: {} },
      deployer: req.deployer,
      force: req.force,
      deploymentId: req.deploymentId,
      onAccepted: req.onAccepted,
    }, reporter);
    deps.jobs.promote(outcome.name, outcome.version);
    await git(repoPath, ['update-ref', 'refs/heads/main', commit]);
    return outcome;
  }, waitNotice(reporter, req.jobName)).finally(() => lease.release());
}

/** Unpacks into a temporary work tree and commits it with a temporary index; the bare repo gets only objects. */
async function commitArchive(repoPath: string, req: ArchiveDeployRequest, quota: UnpackQuota): Promise<string> {
  const tmp = mkdtempSync(join(tmpdir(), 'rt-upload-'));
  try {
    const work = join(tmp, 'tree');
    mkdirSync(work);
    await unpackTarGz(req.archive, work, quota);
    if (req.manifest) writeFileSync(join(work, 'job.yaml'), stringify(req.manifest));
    const env = { GIT_WORK_TREE: work, GIT_INDEX_FILE: join(tmp, 'index') };
    await git(repoPath, ['add', '--all', '.'], env, work);
    const tree = await git(repoPath, ['write-tree'], env);
    const parent = await git(repoPath, ['rev-parse', '--verify', '--quiet', 'refs/heads/main^{commit}']).catch(() => '');
    // the same files again: reuse the commit, so the pipeline sees "already serves this commit" as for a re-push
    if (parent && (await git(repoPath, ['rev-parse', `${parent}^{tree}`])) === tree) return parent;
    const who = req.deployer.kind === 'user' ? req.deployer.name : `${req.deployer.kind}:${req.deployer.name}`;
    const email = req.deployer.kind === 'user' ? req.deployer.name : `${req.deployer.name}@racetrack.invalid`;
    return await git(repoPath, ['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', `upload by ${who}`], {
      GIT_AUTHOR_NAME: who, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: 'racetrack', GIT_COMMITTER_EMAIL: 'racetrack@racetrack.invalid',
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
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
