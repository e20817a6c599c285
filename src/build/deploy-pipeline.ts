// The deploy pipeline, in the order it runs: export the commit, read job.yaml, check permission and
// immutability, build with the job type, then hand the artifact to the version lifecycle (start, wait ready, activate).
// Every step reports into the push; any failure leaves what was serving untouched.
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AuthService, Subject } from '../auth/index.js';
import type { DeploymentStore, JobStore } from '../db/index.js';
import type { JobTypeRegistry } from '../jobtypes/index.js';
import { findManifest, loadManifest, parseJobtype } from '../manifest/index.js';
import { ConflictError, RtError } from '../core/errors.js';
import { logger } from '../core/log.js';
import type { JobsService } from '../jobs/jobs-service.js';
import { checkReservedEnv } from '../jobs/job-env.js';
import { Reporter } from '../core/reporter.js';
import { buildArtifact, type ArtifactBuilderDeps } from './build-artifact.js';
import type { AuditLog } from '../audit/index.js';
import { pruneDeployLogs } from './prune-deploy-logs.js';
import { assertLinksInside, assertTreeWithin, exportCommit, listCommitFiles, treeReader, type GitSource, type TreeQuota } from './workspace.js';

const log = logger('rt:build');

export interface DeployRequest {
  jobName: string;
  source: GitSource;
  deployer: Subject;
  force: boolean;
  /** target override (`-o infra=…`, `jobs move`) */
  infra?: string;
  /** build and start again even when this commit already serves (`jobs redeploy`, `jobs move`) */
  rebuild?: boolean;
  /** an id chosen by the caller, who must answer with it before the deploy ends (POST /deploy) */
  deploymentId?: string;
  /** called once job.yaml, permission and immutability checks passed and the build starts (POST /deploy answers then) */
  onAccepted?: () => void;
  /** where the code came from when the server fetched it (git.remote), recorded with the deployment */
  origin?: DeployOrigin;
  /** what was reported before the deployment existed (the fetch), the first lines of its log */
  preface?: string;
}

export interface DeployOrigin {
  remote: string;
  branch: string;
  /** the remote's commit (the job's repo holds a commit of its git.directory) */
  commit: string;
}

export interface DeployOutcome {
  deploymentId: string;
  name: string;
  version: string;
  /** true when this exact commit already serves this version: nothing was done */
  unchanged: boolean;
}

export interface PipelineDeps extends ArtifactBuilderDeps {
  dataDir: string;
  jobTypes: JobTypeRegistry;
  defaultInfra: string;
  /** the largest commit a deploy exports (RACETRACK_MAX_JOB_BYTES / RACETRACK_MAX_JOB_FILES) */
  jobQuota: TreeQuota;
  auth: AuthService;
  jobs: JobsService;
  jobStore: JobStore;
  deployments: DeploymentStore;
  buildSecretsFor: (name: string) => Record<string, string>;
  audit: AuditLog;
  /** deploy logs kept per job besides those of its recorded versions (RACETRACK_KEEP_DEPLOY_LOGS) */
  keepDeployLogs: number;
}

export class DeployPipeline {
  constructor(private readonly d: PipelineDeps) {}

  /** Serialised per job: a second deploy of the same job waits, saying so. */
  deploy(req: DeployRequest, reporter: Reporter): Promise<DeployOutcome> {
    return this.d.jobs.locks.with(req.jobName, () => this.deployLocked(req, reporter), waitNotice(reporter, req.jobName));
  }

  /** The deploy itself; the caller holds the job's lock (a push holds it from pre- to post-receive). */
  async deployLocked(req: DeployRequest, reporter: Reporter): Promise<DeployOutcome> {
    const id = req.deploymentId ?? newDeploymentId();
    const logPath = join(this.d.dataDir, 'logs', 'deploys', `${id}.log`);
    mkdirSync(join(this.d.dataDir, 'logs', 'deploys'), { recursive: true });
    const logFile = createWriteStream(logPath, { flags: 'a' });
    reporter.addSink((text) => {
      if (logFile.writable) logFile.write(text);
    });
    if (req.preface && logFile.writable) logFile.write(req.preface);
    this.d.deployments.create({ id, jobName: req.jobName, deployedBy: req.deployer.name, logPath, commit: req.source.commit, origin: req.origin });
    const buildDir = join(this.d.dataDir, 'builds', id);
    const phase = (name: string, message: string) => {
      this.d.deployments.update(id, { phase: name });
      reporter.phase(message);
    };

    try {
      const from = req.origin ? `${req.origin.remote} ${req.origin.branch}@${req.origin.commit.slice(0, 7)}` : req.source.commit.slice(0, 7);
      phase('export', `Deploying ${req.jobName} from ${from} (deployment ${id})`);
      await assertTreeWithin(req.source, this.d.jobQuota);
      await exportCommit(req.source, buildDir);
      const found = findManifest(req.jobName, await listCommitFiles(req.source), treeReader(buildDir));
      assertLinksInside(join(buildDir, found.root), found.root);
      const { manifest, warnings } = loadManifest(found.text, {
        path: found.path,
        readFile: treeReader(buildDir),
        validateJobtypeExtra: (ref, extra) => this.d.jobTypes.validateExtra(ref, extra),
      });
      const jobTypeRef = parseJobtype(manifest.jobtype);
      const jobType = this.d.jobTypes.get(jobTypeRef.name, jobTypeRef.version);
      checkReservedEnv(found.path, manifest, jobType.reservedEnv);
      for (const w of warnings) reporter.warn(w);
      this.d.deployments.update(id, { version: manifest.version });

      this.checkPermission(req.deployer, req.jobName);
      // the first accepted deploy of a name creates its family: the deployer owns it from now on, even if this deploy fails
      this.d.jobs.openFamily(req.jobName, req.deployer);
      const existing = this.d.jobStore.get(req.jobName, manifest.version);
      if (existing && existing.commit === req.source.commit && (existing.status === 'running' || existing.status === 'idle') && !req.rebuild) {
        reporter.info(`${req.jobName} ${manifest.version} already serves commit ${req.source.commit.slice(0, 7)}: nothing to do`);
        this.d.deployments.finish(id, 'done');
        rmSync(buildDir, { recursive: true, force: true });
        return { deploymentId: id, name: req.jobName, version: manifest.version, unchanged: true };
      }
      if (existing && existing.commit !== req.source.commit && !req.force) {
        throw new ConflictError(`version ${manifest.version} of ${req.jobName} is already deployed from commit ${existing.commit.slice(0, 7)}`, [
          'versions are immutable: bump `version` in job.yaml, or redeploy this version with `git push -o force`',
        ]);
      }

      const targetName = req.infra ?? manifest.infrastructure_target ?? this.d.defaultInfra;
      const source = req.infra ? 'infra (push option or --infra)' : manifest.infrastructure_target ? `${found.path}: infrastructure_target` : 'RACETRACK_INFRA';
      const target = this.d.jobs.target(targetName, source);
      this.d.deployments.update(id, { target: targetName });
      req.onAccepted?.();
      phase('build', `Building ${req.jobName} ${manifest.version} (${jobType.name})`);
      reporter.info(`job type ${jobType.name} ${jobType.version}, for ${targetName}`);
      const jobDir = join(buildDir, found.root);
      const artifact = await buildArtifact(this.d, jobType, target, {
        jobDir,
        manifest,
        buildEnv: { ...manifest.build_env, ...this.d.buildSecretsFor(req.jobName) },
        reporter,
      });

      phase('start', `Starting ${manifest.replicas} replica${manifest.replicas > 1 ? 's' : ''} on ${targetName}`);
      const launch = { name: req.jobName, version: manifest.version, deploymentId: id, commit: req.source.commit, manifest, target: targetName, artifact };
      const upstreams = await this.d.jobs.lifecycle.start(launch, {
        onStarted: (probe) => phase('health', probe === 'http' ? 'Waiting for the job\'s server to answer HTTP' : 'Waiting for /live and /ready'),
        onWaiting: (what) => reporter.info(what),
      });
      await this.d.jobs.lifecycle.activate({
        ...launch,
        jobType: jobType.name,
        upstreams,
        artifact: { ...artifact, buildDir },
        deployedBy: req.deployer.name,
      });
      phase('ready', `${req.jobName} ${manifest.version} is ready`);
      this.d.deployments.finish(id, 'done');
      this.d.audit.record(req.deployer, 'deploy', { job: req.jobName, detail: `${manifest.version} ${req.source.commit.slice(0, 7)} on ${targetName} (${id})` });
      return { deploymentId: id, name: req.jobName, version: manifest.version, unchanged: false };
    } catch (e) {
      const err = e instanceof RtError ? e : new RtError(`internal error: ${(e as Error).message}`);
      if (!(e instanceof RtError)) log.error({ err: e, job: req.jobName, deployment: id }, 'deploy failed unexpectedly');
      rmSync(buildDir, { recursive: true, force: true });
      // the edge reports the error to the pusher; the stored log gets it here, before it closes
      new Reporter((text) => logFile.write(text)).error([err.message, ...err.details].join('\n'));
      this.d.deployments.finish(id, 'failed', err.message);
      this.d.audit.record(req.deployer, 'deploy', { job: req.jobName, detail: `${id}: ${err.message}`, ok: false });
      throw err;
    } finally {
      logFile.end();
      pruneDeployLogs(this.d.deployments, this.d.jobStore, req.jobName, this.d.keepDeployLogs);
    }
  }

  /** deploy_job on an existing job, deploy_new_family on a new name; also asked before an upload touches the repo. */
  checkPermission(deployer: Subject, jobName: string): void {
    this.d.auth.require(deployer, this.d.jobStore.familyExists(jobName) ? 'deploy_job' : 'deploy_new_family', jobName);
  }
}

export function newDeploymentId(): string {
  return `${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(4).toString('hex')}`;
}

export function waitNotice(reporter: Reporter, jobName: string): () => void {
  return () => reporter.info(`waiting for another deploy of ${jobName} to finish…`);
}
