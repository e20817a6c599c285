// Spawns the real git-receive-pack / git-upload-pack on a job's bare repo, with our hooks wired in.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const HOOKS_DIR = fileURLToPath(new URL('../../hooks', import.meta.url));

export type GitService = 'git-receive-pack' | 'git-upload-pack';

export interface HookEnv {
  RACETRACK_HOOK_SOCKET: string;
  RACETRACK_HOOK_SECRET: string;
  RACETRACK_PUSH_ID: string;
}

export function spawnGitService(
  service: GitService,
  repoPath: string,
  opts: { statelessRpc?: boolean; advertiseRefs?: boolean; hookEnv?: HookEnv; protocol?: string; maxInputBytes?: number },
): ChildProcess {
  const args = [
    ...(opts.maxInputBytes ? ['-c', `receive.maxInputSize=${opts.maxInputBytes}`] : []),
    '-c', `core.hooksPath=${HOOKS_DIR}`,
    '-c', 'receive.advertisePushOptions=true',
    '-c', 'receive.denyNonFastForwards=false',
    '-c', 'receive.denyDeletes=false',
    service.slice(4),
  ];
  if (opts.statelessRpc) args.push('--stateless-rpc');
  if (opts.advertiseRefs) args.push('--advertise-refs');
  args.push(repoPath);
  return spawn('git', args, {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(opts.protocol ? { GIT_PROTOCOL: opts.protocol } : {}),
      ...opts.hookEnv,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
