// Racetrack's own flow: the server fetches the job's git.remote (POST /deploy with a manifest and no archive,
// `racetrack deploy` of a folder that is not a checkout of it) and deploys git.directory of that commit as a
// push would. Credentials travel with this one deploy and are used for this fetch only: never stored, never logged.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse, stringify } from 'yaml';
import { BadRequestError } from '../core/errors.js';
import type { Reporter } from '../core/reporter.js';
import { runProcess } from '../core/run-process.js';
import { resourceName } from '../manifest/index.js';
import type { DeployOutcome } from './deploy-pipeline.js';
import { deployTree, type TreeDeployDeps, type TreeDeployRequest } from './deploy-tree.js';
import { fetchRemote, type GitCredentials } from './remote/fetch-remote.js';
import { checkedRemoteAddresses, type DeniedNetworks } from './remote/remote-address.js';
import { checkBranch, checkDirectory, checkRemoteUrl, isLoopback } from './remote/remote-url.js';
import { assertTreeWithin, exportCommit, type TreeQuota } from './workspace.js';

export interface RemoteDeployRequest extends TreeDeployRequest {
  /** the job.yaml sent by the client; its git.remote is fetched */
  manifest: Record<string, unknown>;
  credentials?: GitCredentials;
}

export interface RemoteDeployDeps extends TreeDeployDeps {
  /** DATA_DIR/cache/remotes: a bare repository per job, so a redeploy fetches only what is new */
  cacheRoot: string;
  quota: TreeQuota;
  fetchTimeoutMs: number;
  maxFetchBytes: number;
  sshKey?: string;
  /** where git.remote may not point (RACETRACK_REMOTE_DENIED_NETWORKS) */
  deniedNetworks: DeniedNetworks;
}

export function deployFromRemote(deps: RemoteDeployDeps, req: RemoteDeployRequest, caller: Reporter): Promise<DeployOutcome> {
  const git = req.manifest.git as { remote?: unknown; branch?: unknown; directory?: unknown } | undefined;
  if (typeof git?.remote !== 'string') throw new BadRequestError('manifest: git.remote: is required to deploy without a build_context');
  const remote = checkRemoteUrl(git.remote);
  const branch = git.branch === undefined || git.branch === null ? undefined : checkBranch(String(git.branch));
  const directory = checkDirectory(git.directory === undefined || git.directory === null ? undefined : String(git.directory));
  if (req.credentials && remote.kind === 'ssh') throw new BadRequestError('git_credentials: credentials are for https remotes; ssh remotes use the server\'s key (RACETRACK_REMOTE_SSH_KEY)');
  if (req.credentials && remote.kind === 'http' && !isLoopback(remote.host)) {
    throw new BadRequestError(`git_credentials: not sent over plain http to ${remote.host}; use an https remote`);
  }

  return deployTree(deps, req, async (work, reporter) => {
    reporter.phase(`Fetching ${remote.url}${branch ? ` (branch ${branch})` : ''}`);
    const addresses = await checkedRemoteAddresses(remote.host, deps.deniedNetworks);
    const cacheRepo = join(deps.cacheRoot, `${resourceName(req.jobName)}.git`);
    const fetched = await fetchRemote({
      cacheRepo, remote, addresses, branch, credentials: req.credentials, timeoutMs: deps.fetchTimeoutMs, maxBytes: deps.maxFetchBytes, sshKey: deps.sshKey,
      onOutput: (text) => reporter.output(text),
    });
    const treeish = directory ? `${fetched.commit}:${directory}` : fetched.commit;
    const source = { repoPath: cacheRepo, commit: treeish, gitEnv: {} };
    const type = await runProcess('git', ['cat-file', '-t', treeish], { env: { PATH: process.env.PATH, GIT_DIR: cacheRepo } }).then((t) => t.trim(), () => 'missing');
    if (type !== 'tree') throw new BadRequestError(`git.directory: ${directory} is not a folder of ${remote.url} at ${fetched.branch} (${fetched.commit.slice(0, 7)})`);
    await assertTreeWithin(source, deps.quota);
    await exportCommit(source, work);
    useManifest(work, req.manifest, remote.url, reporter);
    reporter.info(`${fetched.branch} is at ${fetched.commit.slice(0, 7)}`);
    return { what: `fetch of ${remote.url} ${fetched.branch}@${fetched.commit.slice(0, 7)}`, origin: { remote: remote.url, branch: fetched.branch, commit: fetched.commit } };
  }, caller);
}

/** The repository's job.yaml wins over the one sent; without one, the sent one is the job's. */
function useManifest(work: string, sent: Record<string, unknown>, remote: string, reporter: Reporter): void {
  const path = join(work, 'job.yaml');
  if (!existsSync(path)) return writeFileSync(path, stringify(sent));
  let inRepo: unknown;
  try {
    inRepo = parse(readFileSync(path, 'utf8'));
  } catch {
    inRepo = undefined;
  }
  if (!isDeepStrictEqual(inRepo, sent)) reporter.warn(`job.yaml in ${remote} differs from the one sent: the repository's is deployed`);
}
