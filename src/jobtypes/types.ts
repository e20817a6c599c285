// The JobType contract: what a job-type plugin gives the platform (docs/plugins.md). A job type owns everything
// about its language — how job.yaml's jobtype_extra is checked, how a job is built for a process target (local)
// and for an image target (docker, kubernetes), the variables it reserves — and knows nothing of where jobs run.
import type { Manifest } from '../manifest/index.js';
import type { Reporter } from '../core/reporter.js';

/** What a target runs: processes (local) or container images (docker, kubernetes). */
export type ArtifactKind = 'process' | 'image';

/** A process serves on the listening socket it inherits as this file descriptor (the platform opened it). */
export const LISTEN_FD = 3;

export interface BuildContext {
  /** absolute path of the job's root folder (where its job.yaml is) in the build workspace */
  jobDir: string;
  manifest: Manifest;
  /** build_env plus build secrets */
  buildEnv: Record<string, string>;
  reporter: Reporter;
  /** a server setting by its env name (RACETRACK_GOPROXY…): the env var, else the key in racetrack.yaml; undefined when unset */
  setting(envName: string): string | undefined;
  /** a folder kept between builds of every job of this job type (module caches, compiler output) */
  cacheDir: string;
}

/**
 * Runs one build step (a venv, pip, go build) the way the target confines builds: the job folder writable,
 * readOnlyPaths visible, the environment build_env and build secrets plus `env`. Resolves with stdout; output
 * streams to the push.
 */
export type BuildRunner = (cmd: string, args: string[], opts: { what: string; readOnlyPaths: string[]; env?: Record<string, string>; cwd?: string }) => Promise<string>;

export interface ProcessBuildContext extends BuildContext {
  run: BuildRunner;
}

/** How a process target starts one replica: it serves on the socket inherited as LISTEN_FD. */
export interface ProcessCommand {
  cmd: string;
  args: string[];
  cwd: string;
  /** the job type's own variables (PYTHONPATH…); the job's runtime env is added by the platform */
  env: Record<string, string>;
  /** host paths the command reads outside the job folder (an interpreter's prefix, the wrapper): shown read-only */
  readOnlyPaths: string[];
}

/** What a build leaves behind: JSON, stored with the version, enough to start it again without the job type. */
interface ArtifactBase {
  jobType: string;
  /** the job type's plugin version it was built with */
  jobTypeVersion: string;
  /** the job's folder in the build workspace */
  jobDir: string;
}

export interface ProcessArtifact extends ArtifactBase {
  kind: 'process';
  command: ProcessCommand;
}

/** Files the platform serves itself (a built Hugo site): no process at all. */
export interface StaticArtifact extends ArtifactBase {
  kind: 'static';
  /** the folder served at the job's root */
  root: string;
}

/** How the platform fronts a job whose own server does not serve the wrapper contract (docker-proxy). */
export interface ProxySpec {
  /** where the job's server listens inside its container */
  port: number;
  /** forward: /api/v1/X reaches the job as /X; rewrite: every path below the job's base URL, prefix trimmed */
  mode: 'forward' | 'rewrite';
}

export interface ImageArtifact extends ArtifactBase {
  kind: 'image';
  /** repository:tag on the engine that built it */
  image: string;
  /** where the container listens */
  port: number;
  proxy?: ProxySpec;
}

export type Artifact = ProcessArtifact | StaticArtifact | ImageArtifact;

/** How image targets build a job: a whole Dockerfile and what its build context holds besides the job folder (`job/`). */
export interface ImageRecipe {
  /** FROM a concrete base image (the job type picks it, from its settings); EXPOSEs the one port the job listens on */
  dockerfile: string;
  /** context path → absolute path of a file or folder on the server */
  files: Record<string, string>;
  /** the base images the Dockerfile names: checked (pulled when missing) before the build, with a hint when absent */
  baseImages: string[];
  /** the setting that picks the base image (named in that hint), e.g. RACETRACK_PYTHON3_BASE_IMAGE */
  baseImageSetting?: string;
  /** build args the Dockerfile declares (build_env and build secrets, when its steps need them) */
  buildArgs: Record<string, string>;
  /**
   * Set when the Dockerfile is the job's own (dockerfile, docker-proxy): the job folder is then the whole build context,
   * as for `docker build` run in it (its .dockerignore applies, `files` must be empty), `dockerfile` is the text of the
   * file at `path` there, and the job listens on `port` whatever its images EXPOSE.
   */
  jobDockerfile?: { path: string; port: number };
}

/** What a job-type plugin's module exports (its name and version come from plugin.yaml). */
export interface JobTypeDefinition {
  /** error messages, each starting with the jobtype_extra key it concerns (`entrypoint_path: is required`) */
  validateExtra(extra: Record<string, unknown>): string[];
  /** runtime_env/build_env names the job may not set (its own wrapper's variables) */
  reservedEnv?: readonly string[];
  /** builds for process targets (local), each step through ctx.run */
  buildProcess?(ctx: ProcessBuildContext): Promise<Omit<ProcessArtifact, keyof ArtifactBase> | Omit<StaticArtifact, keyof ArtifactBase>>;
  /** how image targets (docker, kubernetes) build the job */
  imageRecipe?(ctx: BuildContext): ImageRecipe | Promise<ImageRecipe>;
  /** set when the platform answers the wrapper contract in front of the job's own server */
  proxy?(manifest: Manifest): ProxySpec | undefined;
}

export interface JobType extends JobTypeDefinition {
  name: string;
  version: string;
  /** the artifact kinds it can build, so the targets it runs on */
  builds: readonly ArtifactKind[];
}
