// What the local target asks of the sandbox: a lease on a job's uid and folder, processes started in it, and a
// gentle stop. Checked once at start; with RACETRACK_LOCAL_SANDBOX=off it starts the plain processes of old, and
// when the check failed every lease fails with the check's one-line cause and fix.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { RtError } from '../../../core/errors.js';
import { logger } from '../../../core/log.js';
import { processOutcome } from '../../../core/run-process.js';
import { checkSandbox, type SandboxCheck } from './check-sandbox.js';
import { chownTree } from './chown-tree.js';
import { oomFirst } from '../../oom-first.js';
import { networkArgv, sandboxArgv, type SandboxHost } from './sandbox-argv.js';
import { sandboxedProcesses } from './sandboxed-processes.js';
import { sandboxEnv, unconfinedEnv } from './sandbox-env.js';
import { spawnSandboxed } from './spawn-sandboxed.js';
import { fenceSubnets, type FencedSubnet } from './fence-subnets.js';
import { UidPool, type UidRange } from './uid-pool.js';

const log = logger('rt:deploy:local');

export interface SandboxedProcess {
  cmd: string;
  args: string[];
  cwd: string;
  /** the job's or the build's own variables; the sandbox adds PATH, HOME and LANG */
  env: Record<string, string>;
  /** host paths the process reads besides the system's (an interpreter's prefix, a wrapper), shown read-only */
  readOnlyPaths: string[];
  /** host loopback ports the process may connect to (the gateway's) */
  outboundPorts: number[];
}

export interface SpawnOptions {
  /** a listening socket the process inherits as fd 3 */
  listenFd?: number;
  /** puts a command in front (resource limits); its variables are added */
  wrap?: (cmd: string, args: string[]) => { cmd: string; args: string[]; env: Record<string, string> };
  /** its own process group, so a stop reaches what it started */
  detached?: boolean;
  /** what the sandbox itself has to say (its network's messages), for the job's log or the push */
  onOutput: (text: string) => void;
}

export interface SandboxLease {
  /** host uid the job's processes run as */
  uid: number;
  /** Starts p in the job's sandbox, its job folder writable; stdout and stderr are piped. */
  spawn(p: SandboxedProcess, opts: SpawnOptions): ChildProcess;
  /** Runs p to its end (a build step): resolves with stdout, rejects naming `what` with the last output lines. */
  run(p: SandboxedProcess, opts: { what: string; onOutput: (text: string) => void }): Promise<string>;
  release(): void;
}

type State = { kind: 'on'; host: SandboxHost; pool?: UidPool; uids: UidRange } | { kind: 'off' } | { kind: 'unavailable'; problem: string };

export class LocalSandbox {
  private constructor(private readonly state: State) {}

  /** Checks the sandbox (unless disabled) and says on the server's log what local jobs will run in. */
  static async start(opts: { enabled: boolean; uids: UidRange }): Promise<LocalSandbox> {
    if (!opts.enabled) {
      log.warn('RACETRACK_LOCAL_SANDBOX=off: local jobs and their builds run unconfined, as the server\'s uid, and can read its data dir');
      return new LocalSandbox({ kind: 'off' });
    }
    const privileged = process.getuid?.() === 0;
    const trial = privileged ? { uid: opts.uids.first, gid: opts.uids.first } : ownIds();
    // whatever the check meets on an odd host, the server starts; only local deploys are refused
    const check = await checkSandbox(trial).catch((e: Error): SandboxCheck => ({ ok: false, problem: `the sandbox check failed: ${e.message}; fix: see "Sandbox" in the README, or set RACETRACK_LOCAL_SANDBOX=off to run local jobs unconfined` }));
    if (!check.ok) {
      log.error(`local sandbox unavailable, local deploys will fail: ${check.problem}`);
      return new LocalSandbox({ kind: 'unavailable', problem: check.problem });
    }
    if (!privileged) log.warn('the server is not root: every local job runs as its uid, kept apart by namespaces alone');
    return new LocalSandbox({ kind: 'on', host: check.host, pool: privileged ? new UidPool(opts.uids) : undefined, uids: opts.uids });
  }

  /**
   * Rejects traffic from local jobs to these subnets (the Docker bridges: another job's container). Needs the
   * sandbox's own uids (a root server); otherwise, or without iptables, says on the log what stays reachable.
   */
  async fenceOff(subnets: FencedSubnet[], what: string): Promise<void> {
    const state = this.state;
    if (state.kind !== 'on' || !subnets.length) return;
    const listed = subnets.map((s) => s.subnet).join(', ');
    if (!state.pool) return void log.warn(`the server is not root: local jobs can reach ${what} (${listed}) directly`);
    await fenceSubnets(state.uids, subnets).catch((e: Error) => {
      log.error({ err: e.message }, `iptables failed: local jobs can reach ${what} (${listed}) directly`);
    });
  }

  /** off: jobs run as before, with a warning on each deploy */
  get enabled(): boolean {
    return this.state.kind !== 'off';
  }

  /**
   * Holds the job's uid for one build or one running instance and gives it the job folder (and `writableDirs`,
   * such as the job's build cache). Throws the check's cause and fix when the sandbox is unavailable.
   */
  lease(job: string, jobDir: string, writableDirs: string[] = []): SandboxLease {
    const state = this.state;
    if (state.kind === 'unavailable') throw new RtError(`local sandbox unavailable: ${state.problem}`);
    const uid = state.kind === 'on' ? state.pool?.acquire(job) : undefined;
    const ids = uid === undefined ? ownIds() : { uid, gid: uid };
    try {
      if (uid !== undefined) for (const dir of [jobDir, ...writableDirs]) chownTree(dir, ids.uid, ids.gid);
    } catch (e) {
      if (state.kind === 'on') state.pool?.release(job);
      throw e;
    }
    const start = (p: SandboxedProcess, opts: SpawnOptions): ChildProcess => {
      if (state.kind === 'off') return spawnUnconfined(p, opts);
      const mounts = [...[jobDir, ...writableDirs].map((path) => ({ path, writable: true })), ...p.readOnlyPaths.map((path) => ({ path }))];
      const spec = { ...ids, mounts, cwd: p.cwd, outboundPorts: p.outboundPorts, cmd: p.cmd, args: p.args };
      const [cmd, ...args] = sandboxArgv(spec, state.host);
      const outer = outermost(opts, cmd!, args);
      return spawnSandboxed({
        argv: [outer.cmd, ...outer.args], env: { ...sandboxEnv(p.env), ...outer.env }, cwd: p.cwd,
        detached: opts.detached ?? false, listenFd: opts.listenFd, outboundPorts: p.outboundPorts,
        network: (pid) => networkArgv(spec, state.host, pid), onOutput: opts.onOutput,
      });
    };
    let released = false;
    return {
      uid: ids.uid,
      spawn: start,
      run: (p, { what, onOutput }) => processOutcome(start(p, { onOutput }), p.cmd, { what, onOutput }),
      release: () => {
        if (!released && state.kind === 'on') state.pool?.release(job);
        released = true;
      },
    };
  }

  /** SIGTERM to what a job runs, so it can drain: inside a sandbox to its processes, unconfined to its process group. */
  terminate(leader: number): void {
    const inside = this.state.kind === 'on' ? sandboxedProcesses(leader) : [];
    for (const pid of inside.length ? inside : [-leader]) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone already
      }
    }
  }
}

function spawnUnconfined(p: SandboxedProcess, opts: SpawnOptions): ChildProcess {
  const outer = outermost(opts, p.cmd, p.args);
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...(opts.listenFd === undefined ? [] : [opts.listenFd])];
  return spawn(outer.cmd, outer.args, { cwd: p.cwd, env: { ...unconfinedEnv(p.env), ...outer.env }, stdio, detached: opts.detached ?? false });
}

/** What a job's process is started by, sandboxed or not: the caller's wrapper (resource limits) around `cmd`, first in line for the OOM killer. */
function outermost(opts: SpawnOptions, cmd: string, args: string[]): { cmd: string; args: string[]; env: Record<string, string> } {
  const wrapped = opts.wrap?.(cmd, args) ?? { cmd, args, env: {} };
  return { ...oomFirst(wrapped.cmd, wrapped.args), env: wrapped.env };
}

function ownIds(): { uid: number; gid: number } {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
}
