// The JobType contract: how a kind of job (python3, …) is validated, built, run locally and containerised.
import type { Manifest } from '../manifest/index.js';
import type { Reporter } from '../build/reporter.js';

export interface BuildContext {
  /** absolute path of the job's root folder (where its job.yaml is) in the build workspace */
  jobDir: string;
  manifest: Manifest;
  /** build_env plus build secrets */
  buildEnv: Record<string, string>;
  reporter: Reporter;
  /** the python3 (or other toolchain) the server was configured with */
  python: string;
}

/** What a build leaves behind: JSON-serialisable, stored with the version, enough to start it again. */
export interface Artifact {
  jobType: string;
  jobDir: string;
  [key: string]: unknown;
}

export interface JobEnv {
  /** a listening TCP socket the process inherits as this fd and serves on (the supervisor opened it on loopback) */
  listenFd: number;
  vars: Record<string, string>;
}

export interface Command {
  cmd: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** host paths the command reads outside the job folder (an interpreter's prefix, the wrapper): a sandbox shows them read-only */
  readOnlyPaths: string[];
}

/**
 * Runs one build step (a venv, pip) the way the target confines builds: the job folder writable, readOnlyPaths
 * visible, the environment build_env and build secrets only. Resolves with stdout; output streams to the push.
 */
export type BuildRunner = (cmd: string, args: string[], opts: { what: string; readOnlyPaths: string[] }) => Promise<string>;

/** How image targets (docker, kubernetes) build a job type: the Dockerfile and what its build context holds. */
export interface DockerRecipe {
  /** starts `ARG BASE_IMAGE` / `FROM ${BASE_IMAGE}` (the target picks the base image) and EXPOSEs the one port the job listens on */
  dockerfile: string;
  /** besides the job folder, which is copied to `job/`: context path → absolute path of a file or folder on the server */
  files: Record<string, string>;
}

export interface JobType {
  name: string;
  /** error messages, each starting with the jobtype_extra key it concerns (`entrypoint_path: is required`) */
  validateExtra(extra: Record<string, unknown>): string[];
  build(ctx: BuildContext, run: BuildRunner): Promise<Artifact>;
  command(artifact: Artifact, env: JobEnv): Command;
  dockerfile(ctx: BuildContext): DockerRecipe;
}
