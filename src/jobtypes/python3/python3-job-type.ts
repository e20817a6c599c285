// The python3 job type: Racetrack's convention of a class with perform(), served by our stdlib-only wrapper.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BadRequestError } from '../../core/errors.js';
import type { Artifact, BuildContext, BuildRunner, Command, DockerRecipe, JobEnv, JobType } from '../types.js';
import { validatePython3Extra } from './validate-python3-extra.js';
import { localRequirementPaths } from './local-requirement-paths.js';
import { resolvePython } from './resolve-python.js';

export const WRAPPER_DIR = fileURLToPath(new URL('./wrapper', import.meta.url));
export const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

interface Python3Artifact extends Artifact {
  /** the interpreter: the venv's when there are requirements */
  python: string;
  /** host folders the interpreter runs from (outside the job folder) */
  pythonPaths?: string[];
  entrypointPath: string;
  entrypointClass?: string;
  homePage?: string;
  maxConcurrency?: number;
  maxConcurrencyQueue?: number;
}

async function build(ctx: BuildContext, run: BuildRunner): Promise<Artifact> {
  const extra = ctx.manifest.jobtype_extra;
  const entrypointPath = String(extra.entrypoint_path);
  if (!existsSync(join(ctx.jobDir, entrypointPath))) {
    throw new BadRequestError(`jobtype_extra.entrypoint_path: "${entrypointPath}" does not exist in the job folder`);
  }
  const configured = extra.python_version ? `python${String(extra.python_version)}` : ctx.python;
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
    await run(python, ['-m', 'venv', venv], { what: 'python -m venv', readOnlyPaths: resolved.paths });
    python = join(venv, 'bin', 'python');
    await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', requirements], {
      what: 'pip install', readOnlyPaths: resolved.paths,
    });
  }
  const artifact: Python3Artifact = {
    jobType: 'python3',
    jobDir: ctx.jobDir,
    python,
    pythonPaths: resolved.paths,
    entrypointPath,
    entrypointClass: extra.entrypoint_class as string | undefined,
    homePage: extra.home_page as string | undefined,
    maxConcurrency: extra.max_concurrency as number | undefined,
    maxConcurrencyQueue: extra.max_concurrency_queue as number | undefined,
  };
  return artifact;
}

function command(artifact: Artifact, env: JobEnv): Command {
  const a = artifact as Python3Artifact;
  const args = ['-m', 'racetrack_job_wrapper', '--entrypoint-path', a.entrypointPath, '--listen-fd', String(env.listenFd),
    '--swagger-ui-dir', SWAGGER_UI_DIR];
  if (a.entrypointClass) args.push('--entrypoint-class', a.entrypointClass);
  if (a.homePage) args.push('--home-page', a.homePage);
  if (a.maxConcurrency !== undefined) args.push('--max-concurrency', String(a.maxConcurrency));
  if (a.maxConcurrencyQueue !== undefined) args.push('--max-concurrency-queue', String(a.maxConcurrencyQueue));
  return {
    cmd: a.python,
    args,
    cwd: a.jobDir,
    env: { ...env.vars, PYTHONPATH: [WRAPPER_DIR, a.jobDir].join(':'), PYTHONUNBUFFERED: '1' },
    // versions built before the sandbox recorded no pythonPaths
    readOnlyPaths: [...(a.pythonPaths ?? []), WRAPPER_DIR, SWAGGER_UI_DIR],
  };
}

/** the port the job listens on inside its container */
const CONTAINER_PORT = 7000;
/** the job's uid and gid inside its image: numeric in USER, so the docker target sees it is not root without reading passwd */
const JOB_UID = 10000;
/** the swagger-ui-dist files the wrapper's /docs page loads */
const SWAGGER_UI_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];

function dockerfile(ctx: BuildContext): DockerRecipe {
  const extra = ctx.manifest.jobtype_extra;
  const requirements = extra.requirements_path === undefined ? undefined : String(extra.requirements_path);
  const args = ['python', '-m', 'racetrack_job_wrapper', '--entrypoint-path', String(extra.entrypoint_path),
    '--host', '0.0.0.0', '--port', String(CONTAINER_PORT), '--swagger-ui-dir', '/src/swagger-ui'];
  if (extra.entrypoint_class !== undefined) args.push('--entrypoint-class', String(extra.entrypoint_class));
  if (extra.home_page !== undefined) args.push('--home-page', String(extra.home_page));
  if (extra.max_concurrency !== undefined) args.push('--max-concurrency', String(extra.max_concurrency));
  if (extra.max_concurrency_queue !== undefined) args.push('--max-concurrency-queue', String(extra.max_concurrency_queue));
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
      'FROM ${BASE_IMAGE} AS requirements',
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
    'ARG BASE_IMAGE',
    ...depsStage,
    'FROM ${BASE_IMAGE}',
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
  };
}

export const python3: JobType = { name: 'python3', validateExtra: validatePython3Extra, build, command, dockerfile };
