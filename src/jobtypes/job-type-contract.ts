// The one contract every job type keeps, run by each built-in plugin's test against its sample job (and by the
// third-party example plugin's): jobtype_extra checks never throw, builds give artifacts the targets can run, and a
// process artifact serves the wrapper contract's probes on the socket it inherits.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { Reporter } from '../core/reporter.js';
import { runProcess } from '../core/run-process.js';
import { listenerFd, listenerPort, openListener } from '../core/open-listener.js';
import { loadManifest } from '../manifest/index.js';
import { waitReady } from '../core/wait-ready.js';
import type { BuildContext, BuildRunner, JobType } from './types.js';
import { LISTEN_FD } from './types.js';

export interface JobTypeUnderTest {
  jobType: JobType;
  /** a sample job's folder (with job.yaml) */
  sample: string;
  /** settings the build reads (RACETRACK_GOPROXY…) */
  settings?: Record<string, string>;
  /** how long the sample may take to build and start */
  timeoutMs?: number;
}

const JUNK: unknown[] = [null, 0, -1, 1e309, '', 'x'.repeat(10_000), [], [1], {}, { nested: { deeper: [] } }, true];

export function runJobTypeContract(label: string, u: JobTypeUnderTest): void {
  describe(`JobType contract: ${label}`, () => {
    const { jobType } = u;
    let work: string;
    let ctx: BuildContext;
    let child: ChildProcess | undefined;
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'rt-jobtype-contract-'));
      const jobDir = join(work, 'job');
      cpSync(u.sample, jobDir, { recursive: true });
      const { manifest } = loadManifest(readFileSync(join(jobDir, 'job.yaml'), 'utf8'), {
        path: 'job.yaml', readFile: (p) => (existsSync(join(jobDir, p)) ? readFileSync(join(jobDir, p), 'utf8') : undefined),
        validateJobtypeExtra: (_, extra) => jobType.validateExtra(extra),
      });
      ctx = { jobDir, manifest, buildEnv: {}, reporter: new Reporter(), setting: (name) => u.settings?.[name], cacheDir: join(work, 'cache') };
    });
    after(() => {
      if (child?.exitCode === null) child.kill('SIGKILL');
      if (work) rmSync(work, { recursive: true, force: true });
    });

    test('it builds at least one kind of artifact, and says which', () => {
      assert.ok(jobType.builds.length > 0);
      for (const kind of jobType.builds) assert.ok(kind === 'process' || kind === 'image', kind);
      assert.equal(jobType.builds.includes('process'), typeof jobType.buildProcess === 'function');
      assert.equal(jobType.builds.includes('image'), typeof jobType.imageRecipe === 'function');
    });

    test('validateExtra answers every shape of jobtype_extra with messages, never a throw', () => {
      for (const value of JUNK) {
        for (const extra of [{}, { entrypoint_path: value }, { anything: value }, { home_page: value, max_concurrency: value }]) {
          const messages = jobType.validateExtra(extra as Record<string, unknown>);
          assert.ok(Array.isArray(messages) && messages.every((m) => typeof m === 'string' && m.length > 0), JSON.stringify(extra).slice(0, 80));
        }
      }
      assert.deepEqual(jobType.validateExtra(ctx.manifest.jobtype_extra), [], 'the sample\'s jobtype_extra is valid');
    });

    test('reserved variables are names', () => {
      for (const name of jobType.reservedEnv ?? []) assert.match(name, /^[A-Za-z_][A-Za-z0-9_]*$/);
    });

    if (jobType.imageRecipe) test('an image recipe names its base images, exposes one port, and ships files that exist', async () => {
      const recipe = await jobType.imageRecipe!(ctx);
      assert.ok(recipe.baseImages.length > 0);
      for (const base of recipe.baseImages) assert.match(recipe.dockerfile, new RegExp(`^FROM ${escape(base)}( |$)`, 'm'));
      assert.equal((recipe.dockerfile.match(/^EXPOSE \d+$/gm) ?? []).length, 1, 'one EXPOSE');
      for (const source of Object.values(recipe.files)) assert.ok(isAbsolute(source) && existsSync(source), source);
      for (const key of Object.keys(recipe.buildArgs)) assert.ok(key in ctx.buildEnv, `${key} is not a build_env variable`);
    });

    if (jobType.buildProcess) test('a process build serves /live, /ready and /health on the socket it inherits', { timeout: u.timeoutMs ?? 120_000 }, async () => {
      const built = await jobType.buildProcess!({ ...ctx, run: unconfinedRunner(ctx) });
      if (built.kind === 'static') {
        assert.ok(existsSync(join(built.root, 'index.html')), 'a static site has an index.html');
        return;
      }
      const { command } = built;
      assert.ok(isAbsolute(command.cwd) && command.readOnlyPaths.every(isAbsolute));
      const listener = await openListener(0);
      const port = listenerPort(listener);
      const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'pipe'];
      while (stdio.length < LISTEN_FD) stdio.push('ignore');
      stdio[LISTEN_FD] = listenerFd(listener);
      let output = '';
      child = spawn(command.cmd, command.args, {
        cwd: command.cwd,
        env: { PATH: process.env.PATH, HOME: work, JOB_NAME: 'contract', JOB_VERSION: '1.0.0', GIT_VERSION: 'abc', ...command.env },
        stdio,
      });
      child.stdout!.on('data', (b: Buffer) => (output += b));
      child.stderr!.on('data', (b: Buffer) => (output += b));
      listener.close();
      await waitReady([`127.0.0.1:${port}`], { timeoutMs: u.timeoutMs ?? 60_000, failed: async () => (child?.exitCode !== null ? `exited: ${output}` : undefined) });
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      assert.equal(health.status, 200);
      const body = await health.json() as Record<string, unknown>;
      assert.equal(body.job_name, 'contract');
      assert.equal(body.job_version, '1.0.0');
      child.kill('SIGTERM');
    });
  });
}

/** Build steps run as they are, with the step's environment only: the contract is about the job type, not the sandbox. */
function unconfinedRunner(ctx: BuildContext): BuildRunner {
  return (cmd, args, { what, env, cwd }) => runProcess(cmd, args, {
    cwd: cwd ?? ctx.jobDir, what, env: { PATH: process.env.PATH, HOME: ctx.cacheDir, ...ctx.buildEnv, ...env },
  });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
