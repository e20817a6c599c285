// The bare repositories under DATA_DIR/repos, one per job name. A repository exists only while a push to it
// is in flight or once it holds a ref: asking to push (and then failing or leaving) leaves nothing behind.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../core/run-process.js';
import { parseJobName } from '../manifest/index.js';
import { BadRequestError, NotFoundError } from '../core/errors.js';

/** A repository held open for a push; released when the push ends. */
export interface RepoLease {
  path: string;
  release(): Promise<void>;
}

/** Job names start with a letter or digit, so this can never be a job's repository. */
const EMPTY_REPO = '.empty.git';

export class Repos {
  /** pushes in flight per job name */
  private readonly leases = new Map<string, number>();
  private emptyRepo?: Promise<string>;

  constructor(private readonly dataDir: string) {}

  /** `adder`, `adder.git`, `/adder.git`, `'adder'`, `ad%64er` → `adder`, through the job-name boundary check */
  static jobNameFromPath(raw: string, percentEncoded = false): string {
    let decoded = raw;
    if (percentEncoded) {
      try {
        decoded = decodeURIComponent(raw);
      } catch {
        throw new BadRequestError(`malformed escape in the repository name "${raw}"`);
      }
    }
    const trimmed = decoded.replace(/^'+|'+$/g, '').replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
    return parseJobName(trimmed);
  }

  path(name: string): string {
    return join(this.dataDir, 'repos', `${name}.git`);
  }

  exists(name: string): boolean {
    return existsSync(join(this.path(name), 'HEAD'));
  }

  requireExisting(name: string): string {
    if (!this.exists(name)) throw new NotFoundError(`no repository for job "${name}"`);
    return this.path(name);
  }

  /** A family ended: its repository goes, unless a push to the name is in flight (it starts the next family). */
  removeUnlessLeased(name: string): void {
    if (!this.leases.has(name)) rmSync(this.path(name), { recursive: true, force: true });
  }

  /** An empty repository to advertise (no refs) to a first push before it sends anything. */
  empty(): Promise<string> {
    return (this.emptyRepo ??= (async () => {
      const path = join(this.dataDir, 'repos', EMPTY_REPO);
      if (!existsSync(join(path, 'HEAD'))) await initBare(path);
      return path;
    })());
  }

  /**
   * Holds NAME's repository for a push, creating it when missing. When the last lease ends and the
   * repository still has no ref (the first push failed or went away), it is removed again.
   */
  async lease(name: string): Promise<RepoLease> {
    const path = this.path(name);
    this.leases.set(name, (this.leases.get(name) ?? 0) + 1);
    try {
      if (!this.exists(name)) await initBare(path);
    } catch (e) {
      await this.releaseLease(name, path);
      throw e;
    }
    let released = false;
    return {
      path,
      release: async () => {
        if (released) return;
        released = true;
        await this.releaseLease(name, path);
      },
    };
  }

  private async releaseLease(name: string, path: string): Promise<void> {
    const left = (this.leases.get(name) ?? 1) - 1;
    if (left > 0) return void this.leases.set(name, left);
    this.leases.delete(name);
    const refs = await runProcess('git', ['--git-dir', path, 'for-each-ref', '--count=1'], { what: 'git for-each-ref' }).catch(() => 'unknown');
    // a lease taken meanwhile keeps it
    if (refs.trim() === '' && !this.leases.has(name)) rmSync(path, { recursive: true, force: true });
  }
}

async function initBare(path: string): Promise<void> {
  mkdirSync(path, { recursive: true });
  await runProcess('git', ['init', '--quiet', '--bare', '--initial-branch=main', path], { what: 'git init' });
}
