// Exports a commit of a bare repo into a fresh build folder, and lists the commit's files.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { RtError } from '../core/errors.js';
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

/** A reader of the exported tree for the manifest module; refuses paths that leave the folder. */
export function treeReader(dir: string): (repoPath: string) => string | undefined {
  const root = resolve(dir);
  return (repoPath) => {
    const full = resolve(root, repoPath);
    if (full !== root && !full.startsWith(root + sep)) return undefined;
    if (!existsSync(full) || !statSync(full).isFile()) return undefined;
    return readFileSync(full, 'utf8');
  };
}

