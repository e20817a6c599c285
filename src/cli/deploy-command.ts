// `racetrack deploy [DIR]`: a git checkout is pushed to the job's remote over HTTP; any other folder is
// uploaded to POST /deploy. Either way the deploy's log streams here and a failure exits non-zero.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { RtError, UsageError } from '../core/errors.js';
import { ApiClient } from './api-client.js';
import { loadClientConfig } from './client-config.js';
import { deployFromRemote, isCheckoutOf } from './deploy-remote.js';
import { pushCheckout } from './push-checkout.js';
import { uploadFolder } from './upload-folder.js';

export function registerDeploy(program: Command): void {
  program.command('deploy')
    .description('deploy the job in DIR: push its git HEAD, or upload the folder when it is not a git checkout')
    .argument('[dir]', 'the folder holding job.yaml', '.')
    .option('--remote <url>', 'the server, a URL or an alias (default: the current remote)')
    .option('--force', 'replace a version that is already deployed from other code')
    .option('--from-remote', 'have the server fetch job.yaml\'s git.remote even when DIR is a checkout of it')
    .addHelpText('after', '\nWhen job.yaml names git.remote and DIR is not a checkout of it, the server fetches git.remote\n(git.branch, git.directory) itself, with the credentials stored by `racetrack set credentials`.')
    .action(async (dir: string, opts: { remote?: string; force?: boolean; fromRemote?: boolean }) => {
      const root = resolve(dir);
      if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`${dir} is not a folder`);
      const manifest = readManifest(root);
      const config = loadClientConfig();
      const client = ApiClient.fromConfig(opts.remote);
      const force = opts.force ?? false;
      const gitRemote = (manifest.git as { remote?: unknown } | undefined)?.remote;
      if (opts.fromRemote && typeof gitRemote !== 'string') throw new UsageError('--from-remote: job.yaml names no git.remote');
      if (typeof gitRemote === 'string' && (opts.fromRemote || !isCheckoutOf(root, gitRemote))) await deployFromRemote(client, config, manifest, gitRemote, force);
      else if (isGitCheckout(root)) await pushCheckout(client, root, manifest.name, force);
      else await uploadFolder(client, root, manifest, force);
    });
}

/** DIR/job.yaml as an object; its name picks the remote repository or the job to upload. */
function readManifest(dir: string): Record<string, unknown> & { name: string } {
  const path = join(dir, 'job.yaml');
  if (!existsSync(path)) throw new RtError(`no job.yaml in ${dir}`);
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new RtError(`job.yaml: ${(e as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new RtError('job.yaml: expected a mapping of fields');
  const name = (doc as Record<string, unknown>).name;
  if (typeof name !== 'string' || !name) throw new RtError('job.yaml: name: is required');
  return { ...(doc as Record<string, unknown>), name };
}

function isGitCheckout(dir: string): boolean {
  const r = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'true';
}
