// `racetrack validate [DIR]`: the server's verdict on DIR/job.yaml (its installed job types check jobtype_extra);
// nothing is deployed. Exit 0 when valid, 1 with the first problem and the others below it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { RtError } from '../core/errors.js';
import { ApiClient } from './api-client.js';

export function registerValidate(program: Command): void {
  program.command('validate')
    .description('check DIR/job.yaml on the server, as a deploy would, without deploying')
    .argument('[dir]', 'the folder holding job.yaml', '.')
    .option('--remote <url>', 'the server, a URL or an alias (default: the current remote)')
    .action(async (dir: string, opts: { remote?: string }) => {
      const path = join(resolve(dir), 'job.yaml');
      if (!existsSync(path)) throw new RtError(`no job.yaml in ${dir}`);
      const client = ApiClient.fromConfig(opts.remote);
      client.requireToken();
      const verdict = await client.api<{ name: string; version: string; jobtype: string; warnings: string[] }>('POST', '/validate', { manifest: readFileSync(path, 'utf8') });
      for (const w of verdict.warnings) console.log(`warning: ${w}`);
      console.log(`job.yaml is valid: ${verdict.name} ${verdict.version} (${verdict.jobtype})`);
    });
}
