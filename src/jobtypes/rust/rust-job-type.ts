// The rust job type: Racetrack's layout of `pub fn perform` in mod.rs, compiled with our wrapper library (hyper,
// tokio, serde_json). Settings: RACETRACK_CARGO_HOME (whose config.toml says where crates come from) and
// RACETRACK_RUST_BASE_IMAGE (the image builder stage's base).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type JobTypeDefinition, type ProcessArtifact, type ProcessBuildContext } from '../types.js';
import { wrapperProcess } from '../compiled-wrapper.js';
import { buildRustJob } from './build-rust-job.js';
import { rustImageRecipe } from './rust-image-recipe.js';
import { validateRustExtra } from './validate-rust-extra.js';

/** the binary a process build leaves in the job folder (replacing a file of that name) */
const JOB_BINARY = '.racetrack-job';

async function buildProcess(ctx: ProcessBuildContext): Promise<Omit<ProcessArtifact, 'jobType' | 'jobTypeVersion' | 'jobDir'>> {
  // the generated crate lives in the job's build cache (writable by the build) for this build only
  const workDir = join(ctx.cacheDir, `crate-${randomBytes(6).toString('hex')}`);
  const outFile = join(ctx.jobDir, JOB_BINARY);
  ctx.reporter.phase('Compiling the rust job (cargo build --release)');
  try {
    await buildRustJob({
      jobDir: ctx.jobDir, workDir, outFile,
      targetDir: join(ctx.cacheDir, 'target'), cargoHomeDir: join(ctx.cacheDir, 'cargo-home'),
      cargoHome: ctx.setting('RACETRACK_CARGO_HOME'),
      // build_env is added by ctx.run itself
      run: (cmd, args, { what, env, cwd, readOnlyPaths }) => ctx.run(cmd, args, { what, env, cwd, readOnlyPaths }),
    });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return wrapperProcess(outFile, ctx.jobDir, ctx.manifest);
}

export const rust: JobTypeDefinition = {
  validateExtra: validateRustExtra,
  // the wrapper watches this process id (set by the platform) and ends with it
  reservedEnv: ['RACETRACK_SUPERVISOR_PID'],
  buildProcess,
  imageRecipe: rustImageRecipe,
};
