// Builds a golang job: a generated main module joins our stdlib wrapper with the job's own module (a replace
// directive), and `go build` makes one static binary. Module downloads go through the operator's GOPROXY/GOSUMDB.
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadRequestError, RtError } from '../../core/errors.js';
import { runProcess } from '../../core/run-process.js';

export const GO_WRAPPER_DIR = fileURLToPath(new URL('./wrapper', import.meta.url));

/** our main module's path; a job's module is required as whatever its own go.mod says */
const MAIN_MODULE = 'racetrack_job_wrapper';
/** how much of go's output is kept to find the first error in */
const MAX_KEPT_OUTPUT = 256 * 1024;

export interface GolangBuildOptions {
  /** the job's root: its go.mod, and Perform in its root package */
  jobDir: string;
  /** an empty folder for the generated main module (the caller removes it) */
  workDir: string;
  /** where the binary is written */
  outFile: string;
  /** shared between builds: GOCACHE (compiled packages) and GOMODCACHE (downloaded modules) live here */
  cacheDir: string;
  /** RACETRACK_GOPROXY and RACETRACK_GOSUMDB; Go's own defaults apply when unset */
  goproxy?: string;
  gosumdb?: string;
  /** the job's build_env */
  buildEnv?: Record<string, string>;
  onOutput?: (text: string) => void;
  /** the main package joined with the job (default: our wrapper; the benchmark passes its gin server) */
  wrapperDir?: string;
  go?: string;
}

interface GoModJson {
  Module: { Path: string };
  Replace?: { Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }[];
}

/** The environment of `go` for a build: only what it needs, the job's build_env, then our settings. */
export function golangBuildEnv(opts: Pick<GolangBuildOptions, 'cacheDir' | 'goproxy' | 'gosumdb' | 'buildEnv' | 'workDir'>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: opts.workDir,
    ...opts.buildEnv,
    GOPATH: join(opts.cacheDir, 'gopath'),
    GOCACHE: join(opts.cacheDir, 'go-build'),
    GOMODCACHE: join(opts.cacheDir, 'go-mod'),
    ...(opts.goproxy ? { GOPROXY: opts.goproxy } : {}),
    ...(opts.gosumdb ? { GOSUMDB: opts.gosumdb } : {}),
    GOFLAGS: '-mod=mod', // the generated go.mod gains what the job's module needs
    GOENV: 'off', // no go env file of whoever runs the server
    GOTOOLCHAIN: 'local', // never download another Go
    GO111MODULE: 'on',
    CGO_ENABLED: '0', // a static binary, runs on any base image
  };
}

/** Builds jobDir into outFile; compile errors name the job's files as the user wrote them (perform.go:12:3). */
export async function buildGolangJob(opts: GolangBuildOptions): Promise<void> {
  const go = opts.go ?? 'go';
  const goMod = join(opts.jobDir, 'go.mod');
  if (!existsSync(goMod)) {
    throw new BadRequestError('go.mod: missing at the job\'s root (a golang job is a Go module whose root package has Perform)');
  }
  const env = golangBuildEnv(opts);
  const run = (args: string[], what: string, onOutput?: (text: string) => void) =>
    runProcess(go, args, { cwd: opts.workDir, env, what, onOutput });

  const jobModule = JSON.parse(await run(['mod', 'edit', '-json', goMod], 'reading the job\'s go.mod')) as GoModJson;
  const goVersion = /^go(\d+\.\d+)/.exec((await run(['env', 'GOVERSION'], 'go env')).trim())?.[1] ?? '1.19';
  const wrapperDir = opts.wrapperDir ?? GO_WRAPPER_DIR;
  for (const file of readdirSync(wrapperDir)) {
    if (file.endsWith('.go') && !file.endsWith('_test.go')) copyFileSync(join(wrapperDir, file), join(opts.workDir, file));
  }
  writeFileSync(join(opts.workDir, 'go.mod'), `module ${MAIN_MODULE}\n\ngo ${goVersion}\n`);
  writeFileSync(join(opts.workDir, 'job_entrypoint.go'), entrypointSource(jobModule.Module.Path));
  // the job's go.sum pins what it was tested with; the job's replace directives only count in the main module
  if (existsSync(join(opts.jobDir, 'go.sum'))) copyFileSync(join(opts.jobDir, 'go.sum'), join(opts.workDir, 'go.sum'));
  const replaces = (jobModule.Replace ?? []).map(({ Old, New }) => {
    const target = New.Version ? `${New.Path}@${New.Version}` : resolve(opts.jobDir, New.Path);
    return `-replace=${Old.Version ? `${Old.Path}@${Old.Version}` : Old.Path}=${target}`;
  });
  await run(['mod', 'edit', `-require=${jobModule.Module.Path}@v0.0.0`, `-replace=${jobModule.Module.Path}=${resolve(opts.jobDir)}`,
    ...replaces], 'writing go.mod');

  const readable = readablePaths(opts.workDir, opts.jobDir);
  let output = '';
  try {
    await run(['build', '-trimpath', '-ldflags=-s -w', '-o', resolve(opts.outFile), '.'], 'go build', (s) => {
      const text = readable(s);
      if (output.length < MAX_KEPT_OUTPUT) output += text;
      opts.onOutput?.(text);
    });
  } catch (e) {
    if (!(e instanceof RtError) || !output) throw e;
    const details = output.trim().split('\n').slice(0, 40);
    if (details.some((line) => /job_entrypoint\.go:.*job\.Perform/.test(line))) {
      details.push('the job\'s root package must define: func Perform(input map[string]interface{}) (interface{}, error)');
    }
    throw new RtError(`go build failed: ${headline(details) ?? e.message}`, { details });
  }
}

/** The first error that names a file and line, with the indented lines that continue it. */
function headline(lines: string[]): string | undefined {
  const first = lines.findIndex((line) => /\.go:\d+/.test(line));
  if (first < 0) return undefined;
  const continued = lines.slice(first + 1).findIndex((line) => !/^\s/.test(line));
  return lines.slice(first, continued < 0 ? undefined : first + 1 + continued).map((line) => line.trim()).join(' ');
}

function entrypointSource(jobModulePath: string): string {
  return [
    '// Generated by the golang job type: links the job\'s Perform into the wrapper.',
    'package main',
    '',
    `import job ${JSON.stringify(jobModulePath)}`,
    '',
    '// the job\'s root package must define: func Perform(input map[string]interface{}) (interface{}, error)',
    'func init() { perform = job.Perform }',
    '',
  ].join('\n');
}

/** Rewrites the job folder's paths in go's output (relative to workDir, or absolute) to paths inside the job. */
function readablePaths(workDir: string, jobDir: string): (text: string) => string {
  const prefixes = [relative(workDir, jobDir), resolve(jobDir)].filter(Boolean).map((p) => `${p}/`);
  return (text) => prefixes.reduce((t, prefix) => t.split(prefix).join(''), text);
}
