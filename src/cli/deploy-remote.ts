// `racetrack deploy` of a job whose job.yaml names git.remote, from a folder that is not a checkout of it (or
// with --from-remote): the server fetches the remote itself. The stored credentials with the longest URL
// prefix of the remote travel with this one request.
import { spawnSync } from 'node:child_process';
import type { ApiClient } from './api-client.js';
import type { ClientConfig } from './client-config.js';
import { followDeployment } from './follow-deployment.js';

export async function deployFromRemote(client: ApiClient, config: ClientConfig, manifest: Record<string, unknown>, remote: string, force: boolean): Promise<void> {
  client.requireToken();
  const credentials = credentialsFor(config, remote);
  console.log(`-----> Asking ${client.remote} to fetch ${remote}${credentials ? ` (with the credentials stored for ${credentials.prefix})` : ''}`);
  const { id } = await client.api<{ id: string }>('POST', '/deploy', {
    manifest,
    force,
    ...(credentials ? { git_credentials: { username: credentials.username, password: credentials.password } } : {}),
  });
  await followDeployment(client, id);
}

/** The stored credentials whose repository URL is the longest prefix of the remote. */
export function credentialsFor(config: ClientConfig, remote: string): { prefix: string; username: string; password: string } | undefined {
  const match = Object.keys(config.git_credentials)
    .filter((prefix) => remote.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
  return match === undefined ? undefined : { prefix: match, ...config.git_credentials[match]! };
}

/** Whether DIR is a git checkout with `remote` among its remotes (compared without a trailing / or .git). */
export function isCheckoutOf(dir: string, remote: string): boolean {
  const r = spawnSync('git', ['remote', '-v'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) return false;
  const plain = (url: string) => url.replace(/\/+$/, '').replace(/\.git$/, '');
  return r.stdout.split('\n').some((line) => plain(line.split(/\s+/)[1] ?? '') === plain(remote));
}
