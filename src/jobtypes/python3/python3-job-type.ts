// The python3 job type: Racetrack's convention of a class with perform(), served by our stdlib-only wrapper.
// Its settings: RACETRACK_PYTHON (the interpreter local jobs run with) and RACETRACK_PYTHON3_BASE_IMAGE.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BadRequestError } from '../../core/errors.js';
import { LISTEN_FD, type BuildContext, type ImageRecipe, type JobTypeDefinition, type ProcessArtifact, type ProcessBuildContext } from '../types.js';
import { validatePython3Extra } from './validate-python3-extra.js';
import { localRequirementPaths } from './local-requirement-paths.js';
import { resolvePython } from './resolve-python.js';

export const WRAPPER_DIR = fileURLToPath(new URL('./wrapper', import.meta.url));
export const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const DEFAULT_PYTHON = 'python3';
const DEFAULT_BASE_IMAGE = 'python:3.11-slim-bookworm';

async function buildProcess(ctx: ProcessBuildContext): Promise<Omit<ProcessArtifact, 'jobType' | 'jobTypeVersion' | 'jobDir'>> {
  const extra = ctx.manifest.jobtype_extra;
  const entrypointPath = String(extra.entrypoint_path);
  if (!existsSync(join(ctx.jobDir, entrypointPath))) {
    throw new BadRequestError(`jobtype_extra.entrypoint_path: "${entrypointPath}" does not exist in the job folder`);
  }
  const configured = extra.python_version ? `python${String(extra.python_version)}` : ctx.setting('RACETRACK_PYTHON') ?? DEFAULT_PYTHON;
  const resolved = await resolvePython(configured).catch(() => {
    throw new BadRequestError(`jobtype_extra.python_version: ${configured} is not installed on this server`);
  });
  let python = resolved.executable;
  const requirements = extra.requirements_path as string | undefined;
  if (requirements) {
    if (!existsSync(join(ctx.jobDir, requirements))) {
      throw new BadRequestError(`jobtype_extra.requirements_path: "${requirements}" does not exist in the job folder`);
    }
    const venv = join(ctx.jobDir, '.venv');
    ctx.reporter.phase(`Installing ${requirements} into a virtualenv`);
    await ctx.run(python, ['-m', 'venv', venv], { what: 'python -m venv', readOnlyPaths: resolved.paths });
    python = join(venv, 'bin', 'python');
    await ctx.run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', requirements], {
      what: 'pip install', readOnlyPaths: resolved.paths,
    });
  }
  return {
    kind: 'process',
    command: {
      cmd: python,
      args: ['-m', 'racetrack_job_wrapper', '--listen-fd', String(LISTEN_FD), '--swagger-ui-dir', SWAGGER_UI_DIR, ...wrapperOptions(ctx)],
      cwd: ctx.jobDir,
      env: { PYTHONPATH: [WRAPPER_DIR, ctx.jobDir].join(':'), PYTHONUNBUFFERED: '1' },
      readOnlyPaths: [...resolved.paths, WRAPPER_DIR, SWAGGER_UI_DIR],
    },
  };
}

/** The wrapper's options that come from jobtype_extra, the same for every target. */
function wrapperOptions(ctx: BuildContext): string[] {
  const extra = ctx.manifest.jobtype_extra;
  const args = ['--entrypoint-path', String(extra.entrypoint_path)];
  if (extra.entrypoint_class !== undefined) args.push('--entrypoint-class', String(extra.entrypoint_class));
  if (extra.home_page !== undefined) args.push('--home-page', String(extra.home_page));
  if (extra.max_concurrency !== undefined) args.push('--max-concurrency', String(extra.max_concurrency));
  if (extra.max_concurrency_queue !== undefined) args.push('--max-concurrency-queue', String(extra.max_concurrency_queue));
  return args;
}

/** the port the job listens on inside its container */
const CONTAINER_PORT = 7000;
/** the job's uid and gid inside its image: numeric in USER, so the docker target sees it is not root without reading passwd */
const JOB_UID = 10000;
/** the swagger-ui-dist files the wrapper's /docs page loads */
const SWAGGER_UI_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];

function imageRecipe(ctx: BuildContext): ImageRecipe {
  const extra = ctx.manifest.jobtype_extra;
  const baseImage = ctx.setting('RACETRACK_PYTHON3_BASE_IMAGE') ?? DEFAULT_BASE_IMAGE;
  const requirements = extra.requirements_path === undefined ? undefined : String(extra.requirements_path);
  const args = ['python', '-m', 'racetrack_job_wrapper', '--host', '0.0.0.0', '--port', String(CONTAINER_PORT),
    '--swagger-ui-dir', '/src/swagger-ui', ...wrapperOptions(ctx)];
  const systemDeps = ctx.manifest.system_dependencies.length
    ? [`RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${ctx.manifest.system_dependencies.join(' ')} && rm -rf /var/lib/apt/lists/*`]
    : [];
  const user = `${JOB_UID}:${JOB_UID}`;
  // the job's own unprivileged user, with a home for the caches some libraries write
  const addUser = `groupadd --gid ${JOB_UID} job && useradd --uid ${JOB_UID} --gid ${JOB_UID} --create-home --shell /usr/sbin/nologin job`;
  // build_env (with build secrets) reaches only the stage that installs the requirements, as build args;
  // the image that runs copies the finished venv, so its history holds none of them
  const buildArgs = Object.keys(ctx.buildEnv).filter((k) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
  const depsStage = requirements
    ? [
      `FROM ${baseImage} AS requirements`,
      ...systemDeps,
      `RUN ${addUser} && install -d -o ${JOB_UID} -g ${JOB_UID} /opt/venv /src/job`,
      // pip (and any setup.py it runs) runs as the job's user, not root
      `USER ${user}`,
      ...buildArgs.map((k) => `ARG ${k}`),
      'WORKDIR /src/job',
      ...[requirements, ...localRequirementPaths(ctx.jobDir, requirements)].map((p) => `COPY --chown=${user} ${JSON.stringify([`job/${p}`, `/src/job/${p}`])}`),
      // a venv works on any base (PEP 668 or not)
      `RUN python -m venv /opt/venv && /opt/venv/bin/python -m pip install --disable-pip-version-check --no-input -r ${JSON.stringify(requirements)}`,
    ]
    : [];
  const lines = [
    ...depsStage,
    `FROM ${baseImage}`,
    ...systemDeps,
    // what every job shares comes first, so the engine's layer cache serves it; only the job's own steps are built per push
    `RUN ${addUser}`,
    'COPY wrapper/ /src/wrapper/',
    'COPY swagger-ui/ /src/swagger-ui/',
    'ENV PYTHONPATH=/src/wrapper:/src/job PYTHONUNBUFFERED=1',
    'WORKDIR /src/job',
    `EXPOSE ${CONTAINER_PORT}`,
    `USER ${user}`,
    // COPY gives root every file (the venv too), whatever USER says: the job reads them and changes none
    ...(requirements ? ['COPY --from=requirements --chown=0:0 /opt/venv /opt/venv', 'ENV PATH=/opt/venv/bin:$PATH'] : []),
    'COPY job/ /src/job/',
    `CMD ${JSON.stringify(args)}`,
  ];
  return {
    dockerfile: lines.join('\n') + '\n',
    files: {
      wrapper: WRAPPER_DIR,
      ...Object.fromEntries(SWAGGER_UI_ASSETS.map((f) => [`swagger-ui/${f}`, join(SWAGGER_UI_DIR, f)])),
    },
    baseImages: [baseImage],
    baseImageSetting: 'RACETRACK_PYTHON3_BASE_IMAGE',
    buildArgs: requirements ? Object.fromEntries(buildArgs.map((k) => [k, ctx.buildEnv[k]!])) : {},
  };
}

export const python3: JobTypeDefinition = {
  validateExtra: validatePython3Extra,
  reservedEnv: ['PYTHONPATH', 'PYTHONUNBUFFERED'],
  buildProcess,
  imageRecipe,
};
