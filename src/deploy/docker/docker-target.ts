// The docker target: runs a job version's image (built by the shared image builder) as `replicas` confined containers
// on the job network, published on 127.0.0.1 and restarted by the engine, so they outlive the server, which re-adopts
// them by their labels.
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { Artifact } from '../../jobtypes/index.js';
import { resourceName } from '../../manifest/index.js';
import { RtError } from '../../core/errors.js';
import { logger } from '../../core/log.js';
import type { InfrastructureTarget, InstanceRef, InstanceSpec, InstanceState, InstanceStatus, StatusListener, Upstream } from '../types.js';
import { freePort } from '../free-port.js';
import { waitReady, type ReadyProbe } from '../../core/wait-ready.js';
import { readyProbe } from '../ready-probe.js';
import { containerLogs } from './container-logs.js';
import { CONFINEMENT_VERSION, confinedHostConfig, containerUser } from './container-confinement.js';
import { containerResources, resourcesOf } from './container-resources.js';
import { instanceLabels, LABEL, labelFilters, refOfLabels } from './instance-labels.js';
import type { DockerEngine } from './docker-engine.js';
import type { JobNetwork } from './job-network.js';
import { PubRelay } from './pub-relay.js';
import { watchEngineEvents, type EngineEvent } from './watch-engine-events.js';

const log = logger('rt:deploy:docker');

/** processes (threads count) per container: room for a busy job, not for a fork bomb */
export const DEFAULT_PIDS_LIMIT = 512;
/** seconds a container gets to exit after SIGTERM before the engine kills it */
const STOP_GRACE_S = 5;
/** restarts after which a version none of whose replicas serves counts as crash-looping */
const ERROR_AFTER_RESTARTS = 3;
/** the engine marks a dead container `restarting` only after its die event */
const SETTLE_MS = 300;

export interface DockerTargetOptions {
  /** the server's data dir: names this server's containers (several servers may share an engine) and keeps the relay port */
  dataDir: string;
  /** the gateway's pub URL on this host, e.g. http://127.0.0.1:7002/pub; containers reach it through a relay */
  pubUrl: () => string;
  /** processes and threads per container */
  pidsLimit?: number;
  onStatus?: StatusListener;
  engine: DockerEngine;
}

/** what one container is made of, whether for a new instance or to re-create one with the current confinement */
interface Replica {
  name: string;
  image: string;
  /** where the job listens inside the container */
  port: number;
  /** 127.0.0.1:PORT on the host */
  upstream: Upstream;
  env: string[];
  labels: Record<string, string>;
  resources: Docker.HostConfig;
}

const keyOf = (r: InstanceRef) => `${r.name}\0${r.version}\0${r.deploymentId}`;

export class DockerTarget implements InfrastructureTarget {
  readonly name = 'docker';
  readonly runs = 'image';
  private readonly docker: Docker;
  private readonly owner: string;
  private readonly relay: PubRelay;
  /** containers that answered /ready since their last start */
  private readonly ready = new Set<string>();
  /** container id → aborts its readiness watch */
  private readonly watches = new Map<string, AbortController>();
  /** last status told to onStatus, per instance */
  private readonly reported = new Map<string, InstanceStatus>();
  /** instances being stopped by us: their containers' deaths are no news */
  private readonly stopping = new Set<string>();
  /** containers being re-created with the current confinement: old id → new id, or undefined when that failed */
  private readonly reconfining = new Map<string, Promise<string | undefined>>();
  private events?: { close(): void };
  /** containers a scale-down removes: their deaths are no news */
  private readonly removing = new Set<string>();

  constructor(private readonly opts: DockerTargetOptions) {
    this.docker = opts.engine.docker;
    this.owner = opts.engine.owner;
    this.relay = new PubRelay(async () => (await this.jobNetwork()).gateway, join(opts.dataDir, 'run', 'docker', 'pub-relay-port'), opts.pubUrl);
  }

  private jobNetwork(): Promise<JobNetwork> {
    return this.opts.engine.jobNetwork();
  }


  async start(spec: InstanceSpec, artifact: Artifact): Promise<Upstream[]> {
    if (artifact.kind !== 'image') throw new RtError(`the docker target runs images; ${spec.name} ${spec.version} was built as ${artifact.kind}`);
    const { image, port } = artifact;
    const probe = readyProbe(artifact);
    this.followEvents();
    await this.removeContainers(spec); // left over from an earlier start of this same instance (exited, or half-started)
    const env = { ...spec.env };
    if (env.PUB_URL) env.PUB_URL = await this.relay.containerUrl(env.PUB_URL);
    const upstreams: Upstream[] = [];
    for (let index = 0; index < spec.replicas; index++) {
      // the host port is chosen here, not by the engine: an engine-chosen port changes on every restart of the container
      const upstream = `127.0.0.1:${await freePort()}`;
      const id = await this.run({
        name: `rt-${resourceName(spec.name)}-${spec.version}-${spec.deploymentId}-${index}`.toLowerCase().replace(/[^a-z0-9_.-]/g, '-'),
        image,
        port,
        upstream,
        env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        labels: { ...instanceLabels(spec, this.owner), [LABEL.readyProbe]: probe },
        resources: containerResources(spec.resources),
      });
      this.watchReady(id, spec, upstream, probe);
      upstreams.push(upstream);
    }
    return upstreams;
  }

  /** creates and starts one confined container; resolves with its id */
  private async run(r: Replica): Promise<string> {
    const [network, image] = await Promise.all([this.jobNetwork(), this.docker.getImage(r.image).inspect().catch((e: { statusCode?: number }) => {
      if (e.statusCode !== 404) throw e;
      const [name, version] = [r.labels[LABEL.job], r.labels[LABEL.version]];
      throw new RtError(`image ${r.image} of ${name} ${version} is no longer on the Docker engine: redeploy it (ssh … jobs redeploy ${name} ${version})`);
    })]);
    const containerPort = `${r.port}/tcp`;
    const container = await this.docker.createContainer({
      name: r.name,
      Image: r.image,
      User: containerUser(image.Config.User),
      Env: r.env,
      Labels: { ...r.labels, [LABEL.upstream]: r.upstream, [LABEL.confinement]: CONFINEMENT_VERSION },
      ExposedPorts: { [containerPort]: {} },
      HostConfig: {
        PortBindings: { [containerPort]: [{ HostIp: '127.0.0.1', HostPort: r.upstream.split(':')[1]! }] },
        // unless-stopped: restarted with the engine's backoff after any exit, and after the engine restarts
        RestartPolicy: { Name: 'unless-stopped' },
        // an init as PID 1 passes SIGTERM on (a bare python as PID 1 ignores it) and reaps the job's children
        Init: true,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
        ...r.resources,
        ...confinedHostConfig(network, this.opts.pidsLimit ?? DEFAULT_PIDS_LIMIT),
      },
    });
    await container.start();
    return container.id;
  }

  /**
   * A container started without the current confinement (by an older Racetrack: root, every capability, the default
   * bridge) is replaced by one that has it, from the same image, env, labels, limits and host port, so the version keeps
   * its upstream. Resolves with the new container's id; undefined when that failed (then a restore starts the version anew).
   */
  private reconfine(info: Docker.ContainerInfo): Promise<string | undefined> {
    let pending = this.reconfining.get(info.Id);
    if (!pending) {
      pending = (async () => {
        const old = await this.docker.getContainer(info.Id).inspect();
        // the one port we bound: the image may EXPOSE others (a job's own Dockerfile, its base image)
        const port = Number.parseInt(Object.keys(old.HostConfig.PortBindings ?? {})[0] ?? '', 10);
        const upstream = old.Config.Labels[LABEL.upstream];
        if (!port || !upstream) return undefined;
        log.info({ job: old.Config.Labels[LABEL.job], container: info.Id.slice(0, 12) }, 're-creating a container with the current confinement');
        this.forget(info.Id);
        const container = this.docker.getContainer(info.Id);
        await container.stop({ t: STOP_GRACE_S }).catch(ignoreStatus(304, 404));
        await container.remove({ force: true }).catch(ignoreStatus(404));
        return this.run({
          name: old.Name.replace(/^\//, ''),
          image: old.Config.Image,
          port,
          upstream,
          env: old.Config.Env,
          labels: old.Config.Labels,
          resources: resourcesOf(old.HostConfig),
        });
      })().catch((e: Error) => {
        log.warn({ container: info.Id.slice(0, 12), err: e.message }, 'could not re-create a container with the current confinement');
        return undefined;
      });
      this.reconfining.set(info.Id, pending);
    }
    return pending;
  }

  /** Removes the highest-numbered replicas, or adds containers made like the first one (same image, env, limits). */
  async scale(ref: InstanceRef, replicas: number): Promise<Upstream[]> {
    const byIndex = (await this.containersOf(ref))
      .map((c) => ({ c, index: Number(/-(\d+)$/.exec(c.Names[0] ?? '')?.[1] ?? 0) }))
      .sort((a, b) => a.index - b.index);
    const first = byIndex[0];
    if (!first) throw new RtError(`${ref.name} ${ref.version} does not run on the docker target`);
    const kept = byIndex.slice(0, replicas);
    await Promise.all(byIndex.slice(replicas).map(async ({ c }) => {
      this.removing.add(c.Id);
      this.forget(c.Id);
      const container = this.docker.getContainer(c.Id);
      await container.stop({ t: STOP_GRACE_S }).catch(ignoreStatus(304, 404));
      await container.remove({ force: true }).catch(ignoreStatus(404));
    }));
    const upstreams = kept.map(({ c }) => c.Labels[LABEL.upstream] ?? '');
    const template = await this.docker.getContainer(first.c.Id).inspect();
    const port = Number.parseInt(Object.keys(template.HostConfig.PortBindings ?? {})[0] ?? '', 10);
    for (let index = kept.at(-1)!.index + 1; upstreams.length < replicas; index++) {
      const upstream = `127.0.0.1:${await freePort()}`;
      const id = await this.run({
        name: template.Name.replace(/^\//, '').replace(/-\d+$/, `-${index}`),
        image: template.Config.Image,
        port,
        upstream,
        env: template.Config.Env,
        labels: template.Config.Labels,
        resources: resourcesOf(template.HostConfig),
      });
      this.watchReady(id, ref, upstream, probeOf(template.Config.Labels));
      upstreams.push(upstream);
    }
    return upstreams;
  }

  async stop(ref: InstanceRef): Promise<void> {
    const key = keyOf(ref);
    this.stopping.add(key);
    try {
      await this.removeContainers(ref);
    } finally {
      this.stopping.delete(key);
      this.reported.delete(key);
    }
  }

  private async removeContainers(ref: InstanceRef): Promise<void> {
    await Promise.all((await this.containersOf(ref)).map(async (info) => {
      this.forget(info.Id);
      const container = this.docker.getContainer(info.Id);
      await container.stop({ t: STOP_GRACE_S }).catch(ignoreStatus(304, 404));
      await container.remove({ force: true }).catch(ignoreStatus(404));
    }));
  }

  /** running while any replica serves (the gateway fails over); error when none does and they crash-loop or gave up */
  async status(ref: InstanceRef): Promise<InstanceState> {
    const containers = await Promise.all((await this.containersOf(ref)).map((c) => this.docker.getContainer(c.Id).inspect()));
    if (containers.length === 0) return { status: 'lost', detail: 'no container on the Docker engine' };
    const up = containers.filter((c) => c.State.Running && !c.State.Restarting);
    if (up.some((c) => this.ready.has(c.Id))) return { status: 'running' };
    if (up.length > 0) return { status: 'starting' };
    const failing = containers.find((c) => c.RestartCount >= ERROR_AFTER_RESTARTS || (!c.State.Restarting && ['exited', 'dead'].includes(c.State.Status)));
    if (!failing) return { status: 'starting' };
    const why = failing.State.OOMKilled ? 'killed for exceeding its memory limit' : `exited with code ${failing.State.ExitCode}`;
    const restarting = failing.State.Restarting ? `crash-looping (${why}, ${failing.RestartCount} restarts)` : `stopped (${why}) and not restarting`;
    const tail: string[] = [];
    for await (const line of containerLogs([this.docker.getContainer(failing.Id)], { tail: 10 })) tail.push(line);
    return { status: 'error', detail: [restarting, ...tail].join('\n') };
  }

  async *logs(ref: InstanceRef, opts: { tail?: number; follow?: boolean; signal?: AbortSignal }): AsyncIterable<string> {
    const containers = (await this.containersOf(ref)).map((c) => this.docker.getContainer(c.Id));
    yield* containerLogs(containers, opts);
  }

  /**
   * Instances with a live container; also resumes watching them (after a server restart) and the relay they use.
   * A live container without the current confinement is re-created with it first.
   */
  async list(): Promise<InstanceRef[]> {
    this.followEvents();
    const containers = await this.docker.listContainers({ all: true, filters: { label: labelFilters(this.owner) } });
    const refs = new Map<string, InstanceRef>();
    for (const c of containers) {
      const ref = refOfLabels(c.Labels);
      // an exited container is not running anything: start() replaces it when the version is restored
      if (!ref || c.State === 'exited' || c.State === 'dead') continue;
      const id = c.Labels[LABEL.confinement] === CONFINEMENT_VERSION ? c.Id : await this.reconfine(c);
      if (!id) continue;
      refs.set(keyOf(ref), ref);
      const upstream = c.Labels[LABEL.upstream];
      if (upstream) this.watchReady(id, ref, upstream, probeOf(c.Labels));
    }
    if (refs.size > 0) await this.relay.start();
    return [...refs.values()];
  }

  /** The engine keeps nothing of a version once stop() removed its containers; images are pruned by retention. */
  async purge(): Promise<void> {}

  /** Containers keep running: only this process's watches and relay end. */
  async shutdown(): Promise<void> {
    this.events?.close();
    this.events = undefined;
    for (const id of [...this.watches.keys()]) this.forget(id);
    this.relay.close();
  }

  private containersOf(ref: InstanceRef): Promise<Docker.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: labelFilters(this.owner, ref) } });
  }

  private followEvents(): void {
    this.events ??= watchEngineEvents(this.docker, { type: ['container'], event: ['die'], label: labelFilters(this.owner) }, (e) => this.onEvent(e));
  }

  /** A replica died (crash, OOM, kill): it leaves the ready set and is watched until the engine's restart serves again. */
  private onEvent(e: EngineEvent): void {
    const id = e.Actor?.ID;
    const ref = refOfLabels(e.Actor?.Attributes);
    const upstream = e.Actor?.Attributes?.[LABEL.upstream];
    // stopped by us, or replaced by reconfine(): no news
    if (!id || !ref || this.stopping.has(keyOf(ref)) || this.reconfining.has(id) || this.removing.delete(id)) return;
    log.warn({ job: ref.name, version: ref.version, container: id.slice(0, 12), exitCode: e.Actor?.Attributes?.exitCode }, 'container died');
    this.forget(id);
    if (upstream) this.watchReady(id, ref, upstream, probeOf(e.Actor?.Attributes));
    setTimeout(() => void this.report(ref), SETTLE_MS).unref();
  }

  private watchReady(id: string, ref: InstanceRef, upstream: Upstream, probe: ReadyProbe): void {
    if (this.watches.has(id)) return;
    const abort = new AbortController();
    this.watches.set(id, abort);
    waitReady([upstream], { timeoutMs: 24 * 3600_000, probe, failed: async () => (abort.signal.aborted ? 'no longer watched' : undefined) })
      .then(() => {
        this.ready.add(id);
        void this.report(ref);
      }, () => {})
      .finally(() => {
        if (this.watches.get(id) === abort) this.watches.delete(id);
      });
  }

  private forget(id: string): void {
    this.watches.get(id)?.abort();
    this.watches.delete(id);
    this.ready.delete(id);
  }

  /** tells onStatus when an instance's status changed on its own */
  private async report(ref: InstanceRef): Promise<void> {
    const key = keyOf(ref);
    if (this.stopping.has(key)) return;
    const state = await this.status(ref).catch(() => undefined);
    if (!state || this.stopping.has(key) || this.reported.get(key) === state.status) return;
    this.reported.set(key, state.status);
    this.opts.onStatus?.(ref, state);
  }
}

/** a container started before it carried the label serves the wrapper contract */
function probeOf(labels: Record<string, string> | undefined): ReadyProbe {
  return labels?.[LABEL.readyProbe] === 'http' ? 'http' : 'wrapper';
}

function ignoreStatus(...codes: number[]): (e: unknown) => void {
  return (e) => {
    if (!codes.includes((e as { statusCode?: number }).statusCode ?? 0)) throw e;
  };
}
