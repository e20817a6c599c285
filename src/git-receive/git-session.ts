// One git session for both transports (SSH and smart HTTP): authorise, hold the repository, register the
// push for its hooks, run the real git-receive-pack / git-upload-pack, and clean up when it ends.
// Every stream of the git process has an error handler: a client that sends garbage or goes away ends
// its own session, never the server.
import type { ChildProcess } from 'node:child_process';
import type { AuthService, Subject } from '../auth/index.js';
import { logger } from '../core/log.js';
import { authorizeGit } from './authorize-git.js';
import { spawnGitService, type GitService } from './git-service.js';
import type { PushRegistry } from './push-registry.js';
import type { RepoLease, Repos } from './repos.js';

const log = logger('rt:git-receive');

export interface GitSessionDeps {
  auth: AuthService;
  repos: Repos;
  pushes: PushRegistry;
  familyExists: (name: string) => boolean;
  maxPushBytes: number;
}

export interface GitSessionOptions {
  /** smart HTTP: one request per round */
  statelessRpc?: boolean;
  /** smart HTTP's info/refs: only the ref advertisement */
  advertiseRefs?: boolean;
  /** the client's GIT_PROTOCOL (e.g. version=2) */
  protocol?: string;
}

export interface GitSession {
  git: ChildProcess;
  /** resolves with git's exit code once it ended and the session was cleaned up */
  ended: Promise<number>;
}

export async function openGitSession(deps: GitSessionDeps, subject: Subject, service: GitService, name: string, opts: GitSessionOptions = {}): Promise<GitSession> {
  authorizeGit(deps.auth, subject, service, name, deps.familyExists(name));
  let repoPath: string;
  let lease: RepoLease | undefined;
  if (service === 'git-upload-pack') {
    repoPath = deps.repos.requireExisting(name);
  } else if (opts.advertiseRefs) {
    // nothing is pushed by an advertisement: a new name gets an empty one and no repository yet
    repoPath = deps.repos.exists(name) ? deps.repos.path(name) : await deps.repos.empty();
  } else {
    lease = await deps.repos.lease(name);
    repoPath = lease.path;
  }
  const push = service === 'git-receive-pack' && !opts.advertiseRefs ? deps.pushes.open({ jobName: name, repoPath, pusher: subject }) : undefined;
  const git = spawnGitService(service, repoPath, {
    statelessRpc: opts.statelessRpc,
    advertiseRefs: opts.advertiseRefs,
    protocol: opts.protocol,
    hookEnv: push?.env,
    maxInputBytes: deps.maxPushBytes,
  });
  // EPIPE when git stops reading (bad input, refused push), ECONNRESET and the like: the session ends, nothing else
  const quiet = (what: string) => (e: Error) => log.debug({ job: name, service, err: e.message }, `git ${what} error`);
  git.stdin!.on('error', quiet('stdin'));
  git.stdout!.on('error', quiet('stdout'));
  git.stderr!.on('error', quiet('stderr'));
  const ended = new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      push?.close();
      void (lease?.release() ?? Promise.resolve()).catch((e: Error) => log.warn({ job: name, err: e.message }, 'releasing the repository failed')).then(() => resolve(code));
    };
    git.on('error', (e) => {
      log.error({ job: name, service, err: e.message }, 'git could not be started');
      finish(1);
    });
    git.on('close', (code) => finish(code ?? 1));
  });
  return { git, ended };
}
