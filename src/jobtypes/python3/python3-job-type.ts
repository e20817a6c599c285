// The python3 job type: Racetrack's convention of a class with perform(), served by our stdlib-only wrapper.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BadRequestError } from '../../core/errors.js';
import { runProcess } from '../../core/run-process.js';
import type { Artifact, BuildContext, Command, JobEnv, JobType } from '../types.js';
import { validatePython3Extra } from './validate-python3-extra.js';

export const WRAPPER_DIR = fileURLToPath(new URL('./wrapper', import.meta.url));
export const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

interface Python3Artifact extends Artifact {
  python: string;
  entrypointPath: string;
  entrypointClass?: string;
  homePage?: string;
  maxConcurrency?: number;
  maxConcurrencyQueue?: number;
}

async function build(ctx: BuildContext): Promise<Artifact> {
  const extra = ctx.manifest.jobtype_extra;
  const entrypointPath = String(extra.entrypoint_path);
  if (!existsSync(join(ctx.jobDir, entrypointPath))) {
    throw new BadRequestError(`jobtype_extra.entrypoint_path: "${entrypointPath}" does not exist in the job folder`);
  }
  let python = extra.python_version ? `python${String(extra.python_version)}` : ctx.python;
  await runProcess(python, ['--version'], { what: 'python' }).catch(() => {
    throw new BadRequestError(`jobtype_extra.python_version: ${python} is not installed on this server`);
  });
  const env = { ...process.env, ...ctx.buildEnv };
  const requirements = extra.requirements_path as string | undefined;
  if (requirements) {
    if (!existsSync(join(ctx.jobDir, requirements))) {
      throw new BadRequestError(`jobtype_extra.requirements_path: "${requirements}" does not exist in the job folder`);
    }
    const venv = join(ctx.jobDir, '.venv');
    ctx.reporter.phase(`Installing ${requirements} into a virtualenv`);
    await runProcess(python, ['-m', 'venv', venv], { env, what: 'python -m venv', onOutput: (s) => ctx.reporter.output(s) });
    python = join(venv, 'bin', 'python');
    await runProcess(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', requirements], {
      cwd: ctx.jobDir, env, what: 'pip install', onOutput: (s) => ctx.reporter.output(s),
    });
  }
  const artifact: Python3Artifact = {
    jobType: 'python3',
    jobDir: ctx.jobDir,
    python,
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
  const args = ['-m', 'racetrack_job_wrapper', '--entrypoint-path', a.entrypointPath, '--host', env.host, '--port', String(env.port),
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
  };
}

function dockerfile(ctx: BuildContext): string {
  const extra = ctx.manifest.jobtype_extra;
  const lines = [
    'FROM ${BASE_IMAGE}',
    ...(ctx.manifest.system_dependencies.length
      ? [`RUN apt-get update && apt-get install -y --no-install-recommends ${ctx.manifest.system_dependencies.join(' ')} && rm -rf /var/lib/apt/lists/*`]
      : []),
    'WORKDIR /src/job',
    'COPY job/ /src/job/',
    'COPY wrapper/ /src/wrapper/',
    ...(extra.requirements_path ? [`RUN python -m pip install --no-input -r ${String(extra.requirements_path)}`] : []),
    'ENV PYTHONPATH=/src/wrapper:/src/job PYTHONUNBUFFERED=1',
  ];
  return lines.join('\n') + '\n';
}

export const python3: JobType = { name: 'python3', validateExtra: validatePython3Extra, build, command, dockerfile };
