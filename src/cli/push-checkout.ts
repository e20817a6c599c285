// `racetrack deploy` of a git checkout: git push HEAD to REMOTE/git/NAME.git over HTTP, git's own output
// streaming through. The token travels as an HTTP header set in git's environment, never on its command line.
import { spawn, spawnSync } from 'node:child_process';
import { RtError } from '../core/errors.js';
import type { ApiClient } from './api-client.js';

export async function pushCheckout(client: ApiClient, dir: string, name: string, force: boolean): Promise<void> {
  const token = client.requireToken();
  if (spawnSync('git', ['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: dir }).status !== 0) {
    throw new RtError(`${dir} is a git checkout without commits: commit the job first`);
  }
  const dirty = spawnSync('git', ['status', '--porcelain', '--', '.'], { cwd: dir, encoding: 'utf8' }).stdout.trim();
  if (dirty) console.error('warning: uncommitted changes are not deployed: the push sends the committed HEAD');

  const url = `${client.remote}/git/${encodeURIComponent(name)}.git`;
  // -f: deploying is "serve this commit", whatever the remote branch held before (CONTRACT §2)
  const args = ['push', '-f', ...(force ? ['-o', 'force'] : []), url, 'HEAD:refs/heads/main'];
  const env = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`racetrack:${token}`).toString('base64')}`,
  };
  console.error(`-----> Pushing HEAD of ${dir} to ${url}`);
  const code = await new Promise<number>((resolve, reject) => {
    const git = spawn('git', args, { cwd: dir, env, stdio: ['ignore', 'inherit', 'inherit'] });
    git.on('error', (e) => reject(new RtError(`could not run git: ${e.message}`)));
    git.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new RtError(`deploy of ${name} failed: git push exited with ${code}`);
}
