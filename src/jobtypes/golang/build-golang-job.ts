// Builds a golang job: a generated main module joins our stdlib wrapper with the job's own module (a replace
// directive), and `go build` makes one static binary. Module downloads go through the operator's GOPROXY/GOSUMDB.
// The server only writes the generated module (a template); every step that reads the job runs through `run`,
// which the platform confines like the target confines builds.
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadRequestError, RtError } from '../../core/errors.js';
import { runProcess } from '../../core/run-process.js';
import { readGoMod, readJobFile, type GoModJson } from './read-go-mod.js';
import { goToolchain } from './go-toolchain.js';

export const GO_WRAPPER_DIR = fileURLToPath(new URL('./wrapper', import.meta.url));

/** our main module's path; a job's module is required as whatever its own go.mod says */
const MAIN_MODULE = 'racetrack_job_wrapper';
/** the Go version the wrapper needs (atomic.Int64) */
const MAIN_GO_VERSION = '1.19';

/** One build step: resolves with its stdout (stderr joined into it where the step asks), streams its output. */
export type GoStepRunner = (cmd: string, args: string[], opts: { what: string; env: Record<string, string>; cwd: string; readOnlyPaths: string[] }) => Promise<string>;

export interface GolangBuildOptions {
  /** the job's module: its go.mod, and Perform in its root package */
  jobDir: string;
  /** a folder for the generated main module: absent or empty, writable by the steps (the caller removes it) */
  workDir: string;
  /** where the binary is written */
  outFile: string;
  /** kept between builds: GOCACHE (compiled packages) and GOMODCACHE (downloaded modules) live here */
  cacheDir: string;
  /** RACETRACK_GOPROXY and RACETRACK_GOSUMDB; Go's own defaults apply when unset */
  goproxy?: string;
  gosumdb?: string;
  /** the job's build_env (a confining runner adds it itself) */
  buildEnv?: Record<string, string>;
  onOutput?: (text: string) => void;
  /** the main package joined with the job (default: our wrapper; the benchmark passes its gin server) */
  wrapperDir?: string;
  /** runs each step; default: as the server's own processes (tests, benchmarks) */
  run?: GoStepRunner;
}

/** The environment of `go` for a build: only what it needs, the job's build_env, then our settings. */
export function golangBuildEnv(opts: Pick<GolangBuildOptions, 'goproxy' | 'gosumdb' | 'buildEnv'> & { cacheDir: string; path: string; home: string }): Record<string, string> {
  return {
    PATH: opts.path,
    HOME: opts.home,
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

/** The folders of file:// entries in a GOPROXY list: a confined build must see them. */
export function goproxyPaths(goproxy: string | undefined): string[] {
  return (goproxy ?? '').split(/[,|]/).filter((e) => e.startsWith('file://')).map((e) => decodeURIComponent(e.slice('file://'.length)))
    .filter((p) => isAbsolute(p));
}

/**
 * Writes the generated main module into `into`: the wrapper's sources, go.mod requiring the job's module at
 * `jobLocation` (where the job is when the build runs: its folder here, or its path in an image's build stage)
 * with the job's own replace directives, job_entrypoint.go, and the job's go.sum.
 */
export function writeMainModule(into: string, job: { dir: string; location: string; goMod: GoModJson }, wrapperDir = GO_WRAPPER_DIR): void {
  for (const file of readdirSync(wrapperDir)) {
    if (file.endsWith('.go') && !file.endsWith('_test.go')) copyFileSync(join(wrapperDir, file), join(into, file));
  }
  const modulePath = job.goMod.Module.Path;
  const replaces = (job.goMod.Replace ?? []).map(({ Old, New }) => {
    // a replacement by a folder is relative to the job's go.mod; a module version stays as it is
    const target = New.Version ? `${New.Path} ${New.Version}` : posix.join(job.location, New.Path);
    return `replace ${Old.Version ? `${Old.Path} ${Old.Version}` : Old.Path} => ${target}`;
  });
  writeFileSync(join(into, 'go.mod'), [
    `module ${MAIN_MODULE}`, '', `go ${MAIN_GO_VERSION}`, '',
    `require ${modulePath} v0.0.0`, '',
    `replace ${modulePath} => ${job.location}`,
    ...replaces, '',
  ].join('\n'));
  writeFileSync(join(into, 'job_entrypoint.go'), entrypointSource(modulePath));
  // the job's go.sum pins what it was tested with
  const goSum = readJobFile(job.dir, 'go.sum');
  if (goSum !== undefined) writeFileSync(join(into, 'go.sum'), goSum);
}

/** Builds jobDir into outFile; compile errors name the job's files as the user wrote them (perform.go:12:3). */
export async function buildGolangJob(opts: GolangBuildOptions): Promise<void> {
  const goMod = await readGoMod(opts.jobDir);
  if (!goMod) throw new BadRequestError('go.mod: missing at the job\'s root (a golang job is a Go module whose root package has Perform)');
  const toolchain = await goToolchain();
  const run = opts.run ?? unconfined(opts.onOutput);
  const template = mkdtempSync(join(tmpdir(), 'rt-go-main-'));
  // the build's own uid reads it (shown read-only in its sandbox); it holds nothing secret
  chmodSync(template, 0o755);
  try {
    writeMainModule(template, { dir: opts.jobDir, location: resolve(opts.jobDir), goMod }, opts.wrapperDir);
    const readOnlyPaths = [template, toolchain.goroot, ...goproxyPaths(opts.goproxy)];
    const env = golangBuildEnv({ ...opts, path: `${join(toolchain.goroot, 'bin')}:/usr/local/bin:/usr/bin:/bin`, home: opts.workDir });
    await run('cp', ['-R', `${template}/.`, opts.workDir], { what: 'copying the generated main module', env, cwd: opts.jobDir, readOnlyPaths });
    rmSync(opts.outFile, { recursive: true, force: true });
    // go's messages go to stdout, so the step's result holds them whether the build worked or not
    const output = await run('/bin/sh', ['-c', '"$@" 2>&1 || true', 'go-build', toolchain.go, 'build', '-trimpath', '-ldflags=-s -w', '-o', resolve(opts.outFile), '.'],
      { what: 'go build', env, cwd: opts.workDir, readOnlyPaths });
    if (!existsSync(opts.outFile)) throw compileError(output, [opts.workDir, opts.jobDir]);
  } finally {
    rmSync(template, { recursive: true, force: true });
  }
}

/** go build's failure: the first error naming a file and line (paths inside the job), and the first lines. */
function compileError(output: string, dirs: string[]): RtError {
  const prefixes = dirs.map((d) => `${resolve(d)}/`);
  const details = output.trim().split('\n').map((line) => prefixes.reduce((l, p) => l.split(p).join(''), line).replace(/^(\.\.\/)+[^\s:]*?\/?(?=[^/\s:]+\.go:)/, ''))
    .slice(0, 40);
  if (details.some((line) => /job_entrypoint\.go:.*job\.Perform/.test(line))) {
    details.push('the job\'s root package must define: func Perform(input map[string]interface{}) (interface{}, error)');
  }
  return new RtError(`go build failed: ${headline(details) ?? details[0] ?? 'no output'}`, { details });
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

/** Steps as the server's own processes, with the step's environment only (tests, benchmarks). */
function unconfined(onOutput?: (text: string) => void): GoStepRunner {
  return (cmd, args, { what, env, cwd }) => runProcess(cmd, args, { what, env, cwd, onOutput });
}
