// The bare repositories under DATA_DIR/repos, one per job name.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../core/run-process.js';
import { parseJobName } from '../manifest/index.js';
import { NotFoundError } from '../core/errors.js';

export class Repos {
  constructor(private readonly dataDir: string) {}

  /** `adder`, `adder.git`, `/adder.git`, `'adder'` → `adder`, through the job-name boundary check */
  static jobNameFromPath(raw: string): string {
    const trimmed = raw.replace(/^'+|'+$/g, '').replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
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

  async ensure(name: string): Promise<string> {
    const path = this.path(name);
    if (this.exists(name)) return path;
    mkdirSync(path, { recursive: true });
    await runProcess('git', ['init', '--quiet', '--bare', '--initial-branch=main', path], { what: 'git init' });
    return path;
  }
}
