// Exports a commit of a bare repo into a fresh build folder, and lists the commit's files.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { BadRequestError, RtError } from '../core/errors.js';
import { runProcess } from '../core/run-process.js';

export interface GitSource {
  repoPath: string;
  commit: string;
  /** quarantine variables while inside pre-receive */
  gitEnv: Record<string, string>;
}

const gitEnvOf = (src: GitSource) => ({ PATH: process.env.PATH, HOME: process.env.HOME, GIT_DIR: src.repoPath, ...src.gitEnv });

export async function listCommitFiles(src: GitSource): Promise<string[]> {
  const out = await runProcess('git', ['ls-tree', '-r', '-z', '--name-only', src.commit], { env: gitEnvOf(src), what: 'git ls-tree' });
  return out.split('\0').filter(Boolean);
}

export interface TreeQuota {
  /** bytes of all files together */
  maxBytes: number;
  maxFiles: number;
}

/** Refuses a commit whose tree is larger than the quota, before a byte of it is written out. */
export async function assertTreeWithin(src: GitSource, quota: TreeQuota): Promise<void> {
  const out = await runProcess('git', ['ls-tree', '-r', '-l', '-z', src.commit], { env: gitEnvOf(src), what: 'git ls-tree' });
  let files = 0;
  let bytes = 0;
  for (const line of out.split('\0')) {
    if (!line) continue;
    files++;
    // <mode> SP <type> SP <object> SP+ <size> TAB <path>; size is "-" for submodules
    const size = Number(line.slice(0, line.indexOf('\t')).trim().split(/ +/)[3]);
    if (Number.isFinite(size)) bytes += size;
  }
  if (files > quota.maxFiles) {
    throw new BadRequestError(`commit ${src.commit.slice(0, 7)} holds ${files} files, more than the ${quota.maxFiles} a job may have`, ['RACETRACK_MAX_JOB_FILES sets the quota']);
  }
  if (bytes > quota.maxBytes) {
    throw new BadRequestError(`commit ${src.commit.slice(0, 7)} holds ${bytes} bytes of files, more than the ${quota.maxBytes} a job may have`, ['RACETRACK_MAX_JOB_BYTES sets the quota']);
  }
}

/** git archive COMMIT | tar -x -C dir */
export async function exportCommit(src: GitSource, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await new Promise<void>((resolvePromise, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', src.commit], { env: gitEnvOf(src), stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    archive.stderr.on('data', (b: Buffer) => (err += b.toString()));
    tar.stderr.on('data', (b: Buffer) => (err += b.toString()));
    archive.stdout.pipe(tar.stdin);
    let pending = 2;
    const done = (code: number | null) => {
      if (code !== 0) return reject(new RtError(`exporting commit ${src.commit.slice(0, 7)} failed`, { details: [err.trim()] }));
      if (--pending === 0) resolvePromise();
    };
    archive.on('close', done);
    tar.on('close', done);
  });
}

/** A reader of the exported tree for the manifest module: regular files whose real path stays inside the folder. */
export function treeReader(dir: string): (repoPath: string) => string | undefined {
  const root = realpathSync(dir);
  return (repoPath) => {
    const full = realInside(root, resolve(root, repoPath));
    if (!full || !statSync(full).isFile()) return undefined;
    return readFileSync(full, 'utf8');
  };
}

/**
 * Refuses a job folder with a symlink that leads outside it (CONTRACT §10): nothing the server or a build
 * reads through the folder may reach the server's own files. A link whose target does not exist may not
 * climb (`..`) or start at `/` either, so nothing created later can make it escape.
 */
export function assertLinksInside(jobDir: string, shownAs: string): void {
  const root = realpathSync(jobDir);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isSymbolicLink()) {
        const target = readlinkSync(full);
        const dangling = !existsSync(full);
        const escapes = dangling ? isAbsolute(target) || target.split('/').includes('..') : !realInside(root, full);
        if (escapes) {
          const at = relative(root, full);
          throw new BadRequestError(`${shownAs ? `${shownAs}/` : ''}${at} is a symlink to "${target}", outside the job's folder`, [
            'symlinks in a job may only point to files and folders inside it',
          ]);
        }
      }
    }
  };
  walk(root);
}

/** The real path of `full` when it exists and lies inside `root` (itself a real path); undefined otherwise. */
function realInside(root: string, full: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    return undefined;
  }
  return real === root || real.startsWith(root + sep) ? real : undefined;
}
