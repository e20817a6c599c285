// The local target: each replica of a job version is a supervised child process on a free loopback port.
// Crashed replicas restart with exponential backoff; pid files let the next start clean up after a crash of ours.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJobType, type Artifact, type BuildContext, type JobType } from '../../jobtypes/index.js';
import { logger } from '../../core/log.js';
import type { InfrastructureTarget, InstanceRef, InstanceSpec, InstanceState, StatusListener, Upstream } from '../types.js';
import { freePort } from '../free-port.js';
import { waitReady } from '../wait-ready.js';
import { applyLimits, type ProcessLimits } from './resource-limits.js';
import { LogFile } from './log-file.js';

const log = logger('rt:deploy:local');
const MAX_BACKOFF_MS = 30_000;
/** a replica that stayed up this long is healthy again: its backoff starts over */
const STABLE_AFTER_MS = 60_000;
/** restarts within one unstable stretch after which the version counts as crash-looping */
const ERROR_AFTER_RESTARTS = 3;

interface Replica {
  port: number;
  child?: ChildProcess;
  restarts: number;
  startedAt: number;
  timer?: NodeJS.Timeout;
  lastExit?: string;
  /** answered /ready since its last (re)start */
  ready: boolean;
  limits?: ProcessLimits;
}

interface Instance {
  spec: InstanceSpec;
  artifact: Artifact;
  replicas: Replica[];
  log: LogFile;
  stopping: boolean;
}

const keyOf = (r: InstanceRef) => `${r.name}\0${r.version}\0${r.deploymentId}`;

export class LocalTarget implements InfrastructureTarget {
  readonly name = 'local';
  private readonly instances = new Map<string, Instance>();
  private readonly pidDir: string;

  constructor(private readonly dataDir: string, private readonly onStatus: StatusListener = () => {}) {
    this.pidDir = join(dataDir, 'run', 'local');
    mkdirSync(this.pidDir, { recursive: true });
    this.killLeftovers();
  }

  build(jobType: JobType, ctx: BuildContext): Promise<Artifact> {
    return jobType.build(ctx);
  }

  async start(spec: InstanceSpec, artifact: Artifact): Promise<Upstream[]> {
    const inst: Instance = { spec, artifact, replicas: [], log: new LogFile(logPath(this.dataDir, spec)), stopping: false };
    this.instances.set(keyOf(spec), inst);
    for (let i = 0; i < spec.replicas; i++) {
      const replica: Replica = { port: await freePort(), restarts: 0, startedAt: Date.now(), ready: false };
      inst.replicas.push(replica);
      this.spawnReplica(inst, replica);
    }
    return inst.replicas.map((r) => `127.0.0.1:${r.port}`);
  }

  private spawnReplica(inst: Instance, replica: Replica): void {
    const cmd = getJobType(inst.artifact.jobType).command(inst.artifact, { host: '127.0.0.1', port: replica.port, vars: inst.spec.env });
    replica.limits?.release();
    const limits = applyLimits(inst.spec.resources, `${inst.spec.deploymentId}-${replica.port}`, cmd.cmd, cmd.args);
    replica.limits = limits;
    if (replica.restarts === 0) inst.log.write(`racetrack: starting replica on port ${replica.port}, ${limits.description}\n`);
    const child = spawn(limits.cmd, limits.args, {
      cwd: cmd.cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        LANG: 'C.UTF-8',
        // the job ends itself if this process dies without stopping it (kill -9)
        RACETRACK_SUPERVISOR_PID: String(process.pid),
        ...cmd.env,
        ...limits.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so stop() also ends what the job started
    });
    replica.child = child;
    replica.startedAt = Date.now();
    child.stdout!.on('data', (b: Buffer) => inst.log.write(b));
    child.stderr!.on('data', (b: Buffer) => inst.log.write(b));
    child.on('error', (e) => inst.log.write(`racetrack: could not start ${cmd.cmd}: ${e.message}\n`));
    if (child.pid) writeFileSync(this.pidFile(inst.spec, replica), String(child.pid));
    child.on('exit', (code, signal) => this.onExit(inst, replica, child, code, signal));
    void this.watchReady(inst, replica, child);
  }

  /** Marks a replica ready once it answers /ready, so a restarted one rejoins the route. */
  private async watchReady(inst: Instance, replica: Replica, child: ChildProcess): Promise<void> {
    const stillCurrent = async () => (replica.child !== child || inst.stopping ? 'replaced' : undefined);
    try {
      await waitReady([`127.0.0.1:${replica.port}`], { timeoutMs: 24 * 3600_000, failed: stillCurrent });
    } catch {
      return;
    }
    replica.ready = true;
    if (replica.restarts > 0) this.onStatus(inst.spec, this.stateOf(inst));
  }

  private onExit(inst: Instance, replica: Replica, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (replica.child !== child) return;
    replica.child = undefined;
    replica.ready = false;
    rmSync(this.pidFile(inst.spec, replica), { force: true });
    if (inst.stopping) return;
    replica.lastExit = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (Date.now() - replica.startedAt > STABLE_AFTER_MS) replica.restarts = 0;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** replica.restarts);
    replica.restarts++;
    inst.log.write(`racetrack: replica on port ${replica.port} ${replica.lastExit}; restarting in ${delay} ms\n`);
    log.warn({ job: inst.spec.name, version: inst.spec.version, port: replica.port, exit: replica.lastExit }, 'replica died');
    this.onStatus(inst.spec, this.stateOf(inst));
    replica.timer = setTimeout(() => {
      replica.timer = undefined;
      if (!inst.stopping) this.spawnReplica(inst, replica);
    }, delay);
  }

  async stop(ref: InstanceRef): Promise<void> {
    const inst = this.instances.get(keyOf(ref));
    if (!inst) return;
    inst.stopping = true;
    this.instances.delete(keyOf(ref));
    await Promise.all(inst.replicas.map((r) => stopReplica(r)));
    for (const r of inst.replicas) r.limits?.release();
    for (const r of inst.replicas) rmSync(this.pidFile(inst.spec, r), { force: true });
    inst.log.close();
  }

  async status(ref: InstanceRef): Promise<InstanceState> {
    const inst = this.instances.get(keyOf(ref));
    return inst ? this.stateOf(inst) : { status: 'lost', detail: 'no process on this server' };
  }

  /** running while any replica serves (the gateway fails over); error when none does and they crash-loop */
  private stateOf(inst: Instance): InstanceState {
    if (inst.replicas.some((r) => r.ready)) return { status: 'running' };
    const looping = inst.replicas.find((r) => r.restarts >= ERROR_AFTER_RESTARTS);
    if (looping) {
      return { status: 'error', detail: `crash-looping (${looping.lastExit}, ${looping.restarts} restarts)\n${inst.log.tail(10).join('\n')}` };
    }
    return { status: 'starting' };
  }

  async *logs(ref: InstanceRef, opts: { tail?: number; follow?: boolean; signal?: AbortSignal }): AsyncIterable<string> {
    yield* LogFile.read(logPath(this.dataDir, ref), opts);
  }

  async list(): Promise<InstanceRef[]> {
    return [...this.instances.values()].map((i) => ({ name: i.spec.name, version: i.spec.version, deploymentId: i.spec.deploymentId }));
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.instances.values()].map((i) => this.stop(i.spec)));
  }

  async purge(ref: { name: string; version: string }): Promise<void> {
    const path = logPath(this.dataDir, ref);
    for (const f of [path, `${path}.1`]) rmSync(f, { force: true });
  }

  private pidFile(ref: InstanceRef, replica: Replica): string {
    return join(this.pidDir, `${ref.deploymentId}-${replica.port}.pid`);
  }

  /** After a crash of the server its job processes may still run: end them, since local jobs never outlive it. */
  private killLeftovers(): void {
    for (const f of readdirSync(this.pidDir)) {
      const pid = Number(readFileSync(join(this.pidDir, f), 'utf8'));
      if (Number.isInteger(pid) && pid > 1) {
        try {
          process.kill(-pid, 'SIGKILL');
          log.info({ pid }, 'killed a job process left over from a previous run');
        } catch {
          // already gone
        }
      }
      rmSync(join(this.pidDir, f), { force: true });
    }
  }
}

async function stopReplica(r: Replica): Promise<void> {
  if (r.timer) clearTimeout(r.timer);
  const child = r.child;
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // the group is gone already
    }
  };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export function logPath(dataDir: string, ref: { name: string; version: string }): string {
  return join(dataDir, 'logs', 'jobs', ref.name, `${ref.version}.log`);
}
