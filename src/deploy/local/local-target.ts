// The local target: each replica of a job version is a supervised child process in its job's sandbox (see sandbox/),
// serving on a loopback port the server listens on and hands down. Crashed replicas restart with exponential backoff;
// pid files let the next start clean up after a crash of ours.
import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:net';
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Artifact, ProcessArtifact } from '../../jobtypes/index.js';
import { RtError } from '../../core/errors.js';
import { logger } from '../../core/log.js';
import type { ConfinedBuild, InfrastructureTarget, InstanceRef, InstanceSpec, InstanceState, StatusListener, Upstream } from '../types.js';
import { waitReady } from '../../core/wait-ready.js';
import { limitsFor, type ProcessLimits } from './resource-limits.js';
import { LogFile } from './log-file.js';
import { listenerFd, listenerPort, openListener } from '../../core/open-listener.js';
import type { LocalSandbox, SandboxLease } from './sandbox/index.js';
import { StaticSites } from './static-sites.js';

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
  /** taken away by a scale-down: never restarted */
  stopped?: boolean;
}

interface Instance {
  spec: InstanceSpec;
  artifact: ProcessArtifact;
  /** the job's uid and folder, held while the instance runs */
  lease: SandboxLease;
  replicas: Replica[];
  log: LogFile;
  stopping: boolean;
}

const keyOf = (r: InstanceRef) => `${r.name}\0${r.version}\0${r.deploymentId}`;

export interface LocalTargetOptions {
  dataDir: string;
  sandbox: LocalSandbox;
  /** the gateway's pub URL on this host, e.g. http://127.0.0.1:7002/pub: the one loopback port a sandboxed job may reach */
  pubUrl: () => string;
  onStatus?: StatusListener;
}

export class LocalTarget implements InfrastructureTarget {
  readonly name = 'local';
  readonly runs = 'process';
  private readonly instances = new Map<string, Instance>();
  /** built static sites (hugo): the gateway serves them, no process runs */
  private readonly staticSites = new StaticSites();
  private readonly dataDir: string;
  private readonly pidDir: string;
  private readonly sandbox: LocalSandbox;
  private readonly pubUrl: () => string;
  private readonly onStatus: StatusListener;

  constructor(opts: LocalTargetOptions) {
    this.dataDir = opts.dataDir;
    this.sandbox = opts.sandbox;
    this.pubUrl = opts.pubUrl;
    this.onStatus = opts.onStatus ?? (() => {});
    this.pidDir = join(this.dataDir, 'run', 'local');
    mkdirSync(this.pidDir, { recursive: true });
    this.killLeftovers();
  }

  /** A job's build steps, each in the job's sandbox with only the build's environment. */
  confineBuild(job: string, jobDir: string, onOutput: (text: string) => void, writableDirs: string[] = []): ConfinedBuild {
    if (!this.sandbox.enabled) onOutput('=====> Warning: RACETRACK_LOCAL_SANDBOX=off: this job and its build run unconfined on the server\n');
    const lease = this.sandbox.lease(job, this.jobFolder(jobDir), writableDirs);
    return {
      run: (cmd, args, { what, readOnlyPaths, env, cwd }) =>
        lease.run({ cmd, args, cwd: cwd ?? jobDir, env: env ?? {}, readOnlyPaths, outboundPorts: [] }, { what, onOutput }),
      release: () => lease.release(),
    };
  }

  async start(spec: InstanceSpec, artifact: Artifact): Promise<Upstream[]> {
    if (artifact.kind === 'static') {
      this.staticSites.start(spec, artifact, this.jobFolder(artifact.jobDir), logPath(this.dataDir, spec));
      return [];
    }
    if (artifact.kind !== 'process') throw new RtError(`the local target runs processes; ${spec.name} ${spec.version} was built as ${artifact.kind}`);
    const lease = this.sandbox.lease(spec.name, this.jobFolder(artifact.jobDir));
    const inst: Instance = { spec, artifact, lease, replicas: [], log: new LogFile(logPath(this.dataDir, spec)), stopping: false };
    this.instances.set(keyOf(spec), inst);
    await this.addReplicas(inst, spec.replicas);
    return upstreamsOf(inst);
  }

  private async addReplicas(inst: Instance, count: number): Promise<void> {
    while (inst.replicas.length < count) {
      const listener = await openListener(0);
      const replica: Replica = { port: listenerPort(listener), restarts: 0, startedAt: Date.now(), ready: false };
      inst.replicas.push(replica);
      this.spawnReplica(inst, replica, listener);
    }
  }

  async scale(ref: InstanceRef, replicas: number): Promise<Upstream[]> {
    const inst = this.instances.get(keyOf(ref));
    if (!inst) throw new RtError(`${ref.name} ${ref.version} does not run on the local target`);
    inst.spec = { ...inst.spec, replicas };
    const removed = inst.replicas.splice(replicas);
    await Promise.all(removed.map(async (r) => {
      r.stopped = true;
      await this.stopReplica(r);
      r.limits?.release();
      rmSync(this.pidFile(inst.spec, r), { force: true });
    }));
    await this.addReplicas(inst, replicas);
    return upstreamsOf(inst);
  }

  /** Starts the replica on its listener, which only the replica keeps open. */
  private spawnReplica(inst: Instance, replica: Replica, listener: Server): void {
    const { command } = inst.artifact;
    // the job type's own variables (PYTHONPATH…) beside the job's; job.yaml cannot name them (reservedEnv)
    const cmd = { ...command, env: { ...inst.spec.env, ...command.env } };
    replica.limits?.release();
    const limits = limitsFor(inst.spec.resources, `${inst.spec.deploymentId}-${replica.port}`);
    replica.limits = limits;
    if (replica.restarts === 0) {
      const confinement = this.sandbox.enabled ? `sandbox uid ${inst.lease.uid}` : 'no sandbox';
      inst.log.write(`racetrack: starting replica on port ${replica.port}, ${confinement}, ${limits.description}\n`);
    }
    const child = inst.lease.spawn({ ...cmd, outboundPorts: [gatewayPort(this.pubUrl())] }, {
      listenFd: listenerFd(listener),
      wrap: limits.wrap,
      detached: true, // its own process group, so stop() also ends what the job started
      onOutput: (text) => inst.log.write(text),
    });
    listener.close();
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
    if (inst.stopping || replica.stopped) return;
    this.restartLater(inst, replica, signal ? `killed by ${signal}` : `exited with code ${code}`);
  }

  /** Backoff, then the replica starts again on its port (unless the instance stops meanwhile). */
  private restartLater(inst: Instance, replica: Replica, why: string): void {
    replica.lastExit = why;
    if (Date.now() - replica.startedAt > STABLE_AFTER_MS) replica.restarts = 0;
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** replica.restarts);
    replica.restarts++;
    inst.log.write(`racetrack: replica on port ${replica.port} ${why}; restarting in ${delay} ms\n`);
    log.warn({ job: inst.spec.name, version: inst.spec.version, port: replica.port, exit: why }, 'replica died');
    this.onStatus(inst.spec, this.stateOf(inst));
    replica.timer = setTimeout(() => {
      replica.timer = undefined;
      if (inst.stopping || replica.stopped) return;
      openListener(replica.port).then(
        (listener) => (inst.stopping ? listener.close() : this.spawnReplica(inst, replica, listener)),
        (e: Error) => this.restartLater(inst, replica, `could not listen on its port again (${e.message})`),
      );
    }, delay);
  }

  async stop(ref: InstanceRef): Promise<void> {
    if (this.staticSites.stop(ref)) return;
    const inst = this.instances.get(keyOf(ref));
    if (!inst) return;
    inst.stopping = true;
    this.instances.delete(keyOf(ref));
    await Promise.all(inst.replicas.map((r) => this.stopReplica(r)));
    for (const r of inst.replicas) r.limits?.release();
    for (const r of inst.replicas) rmSync(this.pidFile(inst.spec, r), { force: true });
    inst.lease.release();
    inst.log.close();
  }

  /** SIGTERM lets the job drain its calls in flight; whatever still runs 5 s later is killed. */
  private async stopReplica(r: Replica): Promise<void> {
    if (r.timer) clearTimeout(r.timer);
    const child = r.child;
    if (!child?.pid || child.exitCode !== null) return;
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    this.sandbox.terminate(child.pid);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  }

  /** A build folder under the data dir's builds/, never a symlink out of it: root gives it to the job's uid. */
  private jobFolder(jobDir: string): string {
    const builds = realpathSync(join(this.dataDir, 'builds'));
    if (!realpathSync(jobDir).startsWith(builds + sep)) throw new RtError(`the job folder ${jobDir} is not inside ${builds}`);
    return jobDir;
  }

  async status(ref: InstanceRef): Promise<InstanceState> {
    if (this.staticSites.has(ref)) return { status: 'running' };
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
    return [...this.instances.values()].map((i) => ({ name: i.spec.name, version: i.spec.version, deploymentId: i.spec.deploymentId }))
      .concat(this.staticSites.list());
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.instances.values()].map((i) => this.stop(i.spec)));
    this.staticSites.clear();
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

function upstreamsOf(inst: Instance): Upstream[] {
  return inst.replicas.map((r) => `127.0.0.1:${r.port}`);
}

function gatewayPort(pubUrl: string): number {
  const url = new URL(pubUrl);
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

export function logPath(dataDir: string, ref: { name: string; version: string }): string {
  return join(dataDir, 'logs', 'jobs', ref.name, `${ref.version}.log`);
}
