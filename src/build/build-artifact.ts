// The build phase: the job type builds the kind of artifact the target runs — a process (in the target's confined
// build) for `process` targets, an image (through the shared image builder) for `image` targets.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BadRequestError, RtError } from '../core/errors.js';
import type { PlatformMetrics } from '../core/platform-metrics.js';
import type { InfrastructureTarget } from '../deploy/index.js';
import type { Artifact, BuildContext, BuildRunner, JobType } from '../jobtypes/index.js';
import { resourceName } from '../manifest/index.js';
import type { ImageBuilder } from './image-builder/index.js';

export interface ArtifactBuilderDeps {
  /** absent when no Docker engine answers */
  images?: ImageBuilder;
  /** DATA_DIR/cache: job types keep per-job caches below it */
  cacheRoot: string;
  setting: (envName: string) => string | undefined;
  /** the names of the targets running one kind of artifact, for the error when a job type cannot run on a target */
  targetsRunning: (kind: Artifact['kind'] | 'image' | 'process') => string[];
  metrics: Pick<PlatformMetrics, 'buildCache'>;
}

export async function buildArtifact(
  deps: ArtifactBuilderDeps,
  jobType: JobType,
  target: InfrastructureTarget,
  ctx: Omit<BuildContext, 'setting' | 'cacheDir'>,
): Promise<Artifact> {
  if (!jobType.builds.includes(target.runs)) {
    const where = jobType.builds.flatMap((kind) => deps.targetsRunning(kind));
    throw new BadRequestError(`infrastructure_target: job type ${jobType.name} does not run on ${target.name}; it runs on ${where.join(', ') || 'no target of this server'}`);
  }
  // a cache per job: a job's build cannot plant anything in another job's build
  const cacheDir = join(deps.cacheRoot, jobType.name, resourceName(ctx.manifest.name));
  // a hit: an earlier build of this job left something in its cache (the job type decides what it keeps there)
  deps.metrics.buildCache(jobType.name, hasEntries(cacheDir));
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const full: BuildContext = { ...ctx, setting: deps.setting, cacheDir };
  if (target.runs === 'image') {
    if (!deps.images) throw new RtError(`${target.name} needs a Docker engine to build images, and none answers`);
    return { ...(await deps.images.build(jobType, full)), jobDir: ctx.jobDir };
  }
  if (!jobType.buildProcess || !target.confineBuild) throw new RtError(`${target.name} cannot build ${jobType.name} jobs`);
  const confined = target.confineBuild(ctx.manifest.name, ctx.jobDir, (text) => ctx.reporter.output(text), [cacheDir]);
  try {
    // each step sees build_env and build secrets, and the variables the step itself names
    const run: BuildRunner = (cmd, args, opts) => confined.run(cmd, args, { ...opts, env: { ...ctx.buildEnv, ...opts.env } });
    // a job-type plugin cannot import our error classes: whatever it throws is the push's error, as it says it
    const built = await jobType.buildProcess({ ...full, run }).catch((e: unknown) => {
      throw e instanceof RtError ? e : new BadRequestError(`${jobType.name}: ${(e as Error).message}`);
    });
    return { ...built, jobType: jobType.name, jobTypeVersion: jobType.version, jobDir: ctx.jobDir };
  } finally {
    confined.release();
  }
}

function hasEntries(dir: string): boolean {
  try {
    return readdirSync(dir).length > 0;
  } catch {
    return false;
  }
}
