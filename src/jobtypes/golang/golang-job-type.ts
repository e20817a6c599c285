// The golang job type: Racetrack's convention of func Perform in the job's own Go module, compiled with our
// standard-library wrapper into one static binary. Settings: RACETRACK_GOPROXY, RACETRACK_GOSUMDB (the build's
// GOPROXY and GOSUMDB) and RACETRACK_GOLANG_BASE_IMAGE (the image builder stage's base).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type JobTypeDefinition, type ProcessArtifact, type ProcessBuildContext } from '../types.js';
import { buildGolangJob } from './build-golang-job.js';
import { golangImageRecipe } from './golang-image-recipe.js';
import { wrapperProcess } from '../compiled-wrapper.js';
import { validateGolangExtra } from './validate-golang-extra.js';

/** the binary a process build leaves in the job folder (replacing a file of that name) */
export const JOB_BINARY = '.racetrack-job';

async function buildProcess(ctx: ProcessBuildContext): Promise<Omit<ProcessArtifact, 'jobType' | 'jobTypeVersion' | 'jobDir'>> {
  // the generated main module lives in the job's build cache (writable by the build) for this build only
  const workDir = join(ctx.cacheDir, `main-${randomBytes(6).toString('hex')}`);
  const outFile = join(ctx.jobDir, JOB_BINARY);
  ctx.reporter.phase('Compiling the golang job (go build)');
  try {
    await buildGolangJob({
      jobDir: ctx.jobDir, workDir, outFile, cacheDir: ctx.cacheDir,
      goproxy: ctx.setting('RACETRACK_GOPROXY'), gosumdb: ctx.setting('RACETRACK_GOSUMDB'),
      // build_env is added by ctx.run itself
      run: (cmd, args, { what, env, cwd, readOnlyPaths }) => ctx.run(cmd, args, { what, env, cwd, readOnlyPaths }),
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return wrapperProcess(outFile, ctx.jobDir, ctx.manifest);
}

export const golang: JobTypeDefinition = {
  validateExtra: validateGolangExtra,
  // the wrapper watches this process id (set by the platform) and ends with it
  reservedEnv: ['RACETRACK_SUPERVISOR_PID'],
  buildProcess,
  imageRecipe: golangImageRecipe,
};
