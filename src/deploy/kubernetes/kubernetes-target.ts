// The kubernetes target: a job version becomes a Secret, a ClusterIP Service, a NetworkPolicy and a Deployment in
// one namespace, its image pushed to the operator's registry and referenced by digest. start() waits for the rollout
// as the watch reports it; one that cannot finish shows as status error (its cause and the pods' events), so the
// push fails with it and the pod's last log lines, and the caller's stop() removes every object. A failed create
// removes what it made. Objects outlive the server, which adopts them by their labels after a restart.
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import { AppsV1Api, CoreV1Api, Log, NetworkingV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import type { Artifact } from '../../jobtypes/index.js';
import { RtError } from '../../core/errors.js';
import { logger } from '../../core/log.js';
import type { InfrastructureTarget, InstanceRef, InstanceSpec, InstanceState, InstanceStatus, StatusListener, Upstream } from '../types.js';
import { readyProbe } from '../ready-probe.js';
import type { DockerEngine } from '../docker/index.js';
import { containerUser } from '../docker/container-confinement.js';
import { apiErrorLine, isAlreadyExists, isNotFound } from './api-error.js';
import { ClusterView } from './cluster-view.js';
import { jobObjects, SERVICE_PORT, type JobObjects } from './job-objects.js';
import type { KubernetesSettings } from './kube-settings.js';
import { ANNOTATION, instanceSelector, objectName, ownerSelector, refOf } from './object-names.js';
import { PodRelays } from './pod-relays.js';
import { pushImage } from './push-image.js';
import { podFailure, podReady, rolledOut, rolloutFailure } from './rollout.js';

const log = logger('rt:deploy:kubernetes');

export interface KubernetesTargetOptions extends Omit<KubernetesSettings, 'source'> {
  engine: DockerEngine;
  /** how long a rollout may take before the push fails */
  rolloutTimeoutMs: number;
  onStatus?: StatusListener;
}

/** a version's objects, in the order they are created */
const OBJECT_KINDS = ['Secret', 'Service', 'NetworkPolicy', 'Deployment'] as const;
type ObjectKind = typeof OBJECT_KINDS[number];

const keyOf = (r: InstanceRef) => `${r.name}\0${r.version}\0${r.deploymentId}`;

export class KubernetesTarget implements InfrastructureTarget {
  readonly name = 'kubernetes';
  readonly runs = 'image';
  private readonly kc: KubeConfig;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly net: NetworkingV1Api;
  private readonly view: ClusterView;
  private readonly relays = new PodRelays();
  private readonly owner: string;
  private readonly reported = new Map<string, InstanceStatus>();
  private readonly stopping = new Set<string>();
  /** names of the versions start() is making now: their Deployment may not exist yet */
  private readonly starting = new Set<string>();
  /** whether this process has removed the objects an earlier one left half-made */
  private collected = false;

  constructor(private readonly opts: KubernetesTargetOptions) {
    this.kc = opts.kubeconfig;
    this.apps = this.kc.makeApiClient(AppsV1Api);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.net = this.kc.makeApiClient(NetworkingV1Api);
    this.owner = opts.engine.owner;
    this.view = new ClusterView(this.kc, opts.namespace, ownerSelector(this.owner));
    this.view.onChange(() => this.reportChanges());
  }

  async start(spec: InstanceSpec, artifact: Artifact): Promise<Upstream[]> {
    if (artifact.kind !== 'image') throw new RtError(`the kubernetes target runs images; ${spec.name} ${spec.version} was built as ${artifact.kind}`);
    await this.view.start();
    const name = objectName(spec);
    const key = keyOf(spec);
    const existing = this.view.deployment(name);
    // an idle version's wake: its objects are there, its image pushed; only the environment and replicas change
    const suspended = existing?.metadata?.annotations?.[ANNOTATION.suspended] ? existing : undefined;
    // left over from an earlier start of this same instance (a restore after the cluster lost it half-way)
    if (existing && !suspended) await this.deleteObjects(name);
    const image = suspended ? podImage(suspended) : await pushImage(this.opts.engine.docker, artifact.image, this.opts.imageRegistry, this.opts.registryAuth);
    const user = suspended ? podUser(suspended) : await this.imageUser(artifact.image);
    let upstreams: Upstream[] = [`${name}.${this.opts.namespace}.svc:${SERVICE_PORT}`];
    let relayPorts: number[] | undefined;
    if (this.opts.reach === 'pods') {
      upstreams = await this.relays.listen(key, new Array<number>(spec.replicas).fill(0), () => this.readyPods(spec));
      relayPorts = upstreams.map((u) => Number(u.slice(u.lastIndexOf(':') + 1)));
    }
    const objects = jobObjects({
      spec: this.opts.pubUrl && spec.env.PUB_URL ? { ...spec, env: { ...spec.env, PUB_URL: this.opts.pubUrl } } : spec, owner: this.owner, image, port: artifact.port, probe: readyProbe(artifact), user,
      ...(this.opts.pullSecret ? { pullSecret: this.opts.pullSecret } : {}), ...(relayPorts ? { relayPorts } : {}),
    });
    const created: ObjectKind[] = [];
    this.starting.add(name);
    try {
      try {
        if (suspended) await this.resume(objects);
        else await this.create(objects, created);
      } catch (e) {
        this.relays.close(key);
        // when the API is gone this fails too: the next server start collects what is left (collectHalfMade)
        await this.deleteObjects(name, created).catch((err: unknown) => log.warn({ name, err: apiErrorLine(err) }, 'could not remove the objects of a failed start'));
        throw e;
      }
      // a rollout that cannot finish is told by status() (error, with its cause and the pods' events) while the
      // objects stay, so the caller reads the failing pod's logs before it stops the instance
      await this.waitRollout(spec, name);
    } finally {
      this.starting.delete(name);
    }
    return upstreams;
  }

  /** Idle: the Deployment goes to 0 replicas and keeps its Service, Secret and NetworkPolicy for the wake's start(). */
  async suspend(ref: InstanceRef): Promise<void> {
    await this.view.start();
    const name = objectName(ref);
    const namespace = this.opts.namespace;
    this.relays.close(keyOf(ref));
    await this.apps.patchNamespacedDeployment({ name, namespace, body: { metadata: { annotations: { [ANNOTATION.suspended]: new Date().toISOString() } }, spec: { replicas: 0 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch)).catch((e: unknown) => {
      throw new RtError(`scaling the Deployment ${name} in namespace ${namespace} to 0 failed: ${apiErrorLine(e)}`, { code: 'kubernetes_scale_failed' });
    });
  }

  /** the Deployment's replicas; in pods mode the first relays stay, new ones are added, the rest close */
  async scale(ref: InstanceRef, replicas: number): Promise<Upstream[]> {
    await this.view.start();
    const name = objectName(ref);
    const namespace = this.opts.namespace;
    if (!this.view.deployment(name)) throw new RtError(`${ref.name} ${ref.version} does not run on the kubernetes target`);
    let upstreams: Upstream[] = [`${name}.${namespace}.svc:${SERVICE_PORT}`];
    let annotations = {};
    if (this.opts.reach === 'pods') {
      upstreams = await this.relays.resize(keyOf(ref), replicas, () => this.readyPods(ref));
      annotations = { [ANNOTATION.relayPorts]: upstreams.map((u) => u.slice(u.lastIndexOf(':') + 1)).join(',') };
    }
    await this.apps.patchNamespacedDeployment({ name, namespace, body: { metadata: { annotations }, spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch)).catch((e: unknown) => {
      throw new RtError(`scaling the Deployment ${name} in namespace ${namespace} failed: ${apiErrorLine(e)}`, { code: 'kubernetes_scale_failed' });
    });
    return upstreams;
  }

  async stop(ref: InstanceRef): Promise<void> {
    const key = keyOf(ref);
    this.stopping.add(key);
    try {
      this.relays.close(key);
      await this.deleteObjects(objectName(ref));
    } finally {
      this.stopping.delete(key);
      this.reported.delete(key);
    }
  }

  /** running while any replica is ready (the gateway fails over); error when the rollout cannot finish (with the pods' events) */
  async status(ref: InstanceRef): Promise<InstanceState> {
    await this.view.start();
    const d = this.view.deployment(objectName(ref));
    if (!d) return { status: 'lost', detail: `no Deployment ${objectName(ref)} in namespace ${this.opts.namespace}` };
    const state = this.statusOf(ref, d);
    return state.status === 'error' ? { ...state, detail: [state.detail, ...await this.podEvents(ref)].join('\n') } : state;
  }

  async *logs(ref: InstanceRef, opts: { tail?: number; follow?: boolean; signal?: AbortSignal }): AsyncIterable<string> {
    await this.view.start();
    const pods = this.view.podsWith(instanceSelector(ref, this.owner)).map((p) => p.metadata!.name!);
    if (!opts.follow) {
      const lines: string[] = [];
      for (const pod of pods) lines.push(...await this.podLog(pod, opts.tail));
      yield* opts.tail === undefined ? lines : lines.slice(-opts.tail);
      return;
    }
    const merged = new PassThrough();
    const aborts = await Promise.all(pods.map((pod) => new Log(this.kc).log(this.opts.namespace, pod, 'job', merged, { follow: true, ...(opts.tail !== undefined ? { tailLines: opts.tail } : {}) })));
    const stop = () => {
      aborts.forEach((a) => a.abort());
      merged.end();
    };
    opts.signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const line of createInterface({ input: merged })) yield line;
    } finally {
      opts.signal?.removeEventListener('abort', stop);
      stop();
    }
  }

  /** the versions this server has on the cluster; in pods mode their relays listen again on the ports they had */
  async list(): Promise<InstanceRef[]> {
    try {
      await this.view.start();
    } catch (e) {
      log.error({ err: (e as Error).message }, 'cannot list what runs on Kubernetes: its versions are restarted when the API answers again');
      return [];
    }
    if (!this.collected) await this.collectHalfMade().catch((e: unknown) => log.warn({ err: apiErrorLine(e) }, 'could not remove half-made objects; trying again at the next list'));
    const refs: InstanceRef[] = [];
    for (const d of this.view.allDeployments()) {
      const ref = refOf(d.metadata);
      if (!ref) continue;
      refs.push(ref);
      const ports = d.metadata?.annotations?.[ANNOTATION.relayPorts]?.split(',').map(Number);
      // a suspended (idle) version gets relays at its wake
      if (this.opts.reach === 'pods' && ports?.length && !d.metadata?.annotations?.[ANNOTATION.suspended]) await this.relays.listen(keyOf(ref), ports, () => this.readyPods(ref));
    }
    return refs;
  }

  /** The cluster keeps nothing of a version once stop() deleted its objects; registry images are the registry's to expire. */
  async purge(): Promise<void> {}

  /** Objects keep running: only this process's watches and relays end. */
  async shutdown(): Promise<void> {
    this.view.close();
    this.relays.closeAll();
  }

  /**
   * Removes this server's Secrets, Services and NetworkPolicies that have no Deployment of their name and no start
   * making them now: a start whose API server died mid-create, so that its cleanup failed too. Without their
   * Deployment they are never adopted, and they would make a later start of the same version fail with 409.
   */
  private async collectHalfMade(): Promise<void> {
    const namespace = this.opts.namespace;
    const labelSelector = ownerSelector(this.owner);
    const [secrets, services, policies] = await Promise.all([
      this.core.listNamespacedSecret({ namespace, labelSelector }),
      this.core.listNamespacedService({ namespace, labelSelector }),
      this.net.listNamespacedNetworkPolicy({ namespace, labelSelector }),
    ]);
    const stray = new Map<string, ObjectKind[]>();
    const lists: [ObjectKind, { metadata?: { name?: string } }[]][] = [['Secret', secrets.items], ['Service', services.items], ['NetworkPolicy', policies.items]];
    for (const [kind, items] of lists) {
      for (const o of items) {
        const name = o.metadata?.name;
        if (!name || this.view.deployment(name) || this.starting.has(name)) continue;
        stray.set(name, [...stray.get(name) ?? [], kind]);
      }
    }
    for (const [name, kinds] of stray) {
      log.info({ name, kinds }, 'removing objects a failed start left without their Deployment');
      await this.deleteObjects(name, kinds);
    }
    this.collected = true;
  }

  /** creates the objects in order, the Deployment last (its pods read the Secret); `created` tells what exists */
  private async create(o: JobObjects, created: ObjectKind[]): Promise<void> {
    const namespace = this.opts.namespace;
    const steps: Record<ObjectKind, () => Promise<unknown>> = {
      Secret: () => this.core.createNamespacedSecret({ namespace, body: o.secret }),
      Service: () => this.core.createNamespacedService({ namespace, body: o.service }),
      NetworkPolicy: () => this.net.createNamespacedNetworkPolicy({ namespace, body: o.networkPolicy }),
      Deployment: () => this.apps.createNamespacedDeployment({ namespace, body: o.deployment }),
    };
    const name = o.deployment.metadata!.name!;
    for (const kind of OBJECT_KINDS) {
      await steps[kind]()
        // one left by this same instance without its Deployment (deleted by hand while the version was idle): the
        // name holds the deployment's id, so it is ours to replace
        .catch(async (e: unknown) => {
          if (!isAlreadyExists(e) || kind === 'Deployment') throw e;
          log.info({ name, kind }, 'replacing an object an earlier start of this version left');
          await this.deleteObjects(name, [kind]);
          return steps[kind]();
        })
        .catch((e: unknown) => {
          throw new RtError(`creating the ${kind} ${name} in namespace ${namespace} failed: ${apiErrorLine(e)}`, { code: 'kubernetes_create_failed' });
        });
      created.push(kind);
    }
  }

  /**
   * A suspended version's wake: its Secret replaced (the spec's environment now: a token rotated meanwhile) and its
   * Deployment too (its replicas again, the same image; a pod template that names a new key rolls out with it).
   */
  private async resume(o: JobObjects): Promise<void> {
    const namespace = this.opts.namespace;
    const name = o.deployment.metadata!.name!;
    try {
      await this.core.replaceNamespacedSecret({ name, namespace, body: o.secret });
      await this.apps.replaceNamespacedDeployment({ name, namespace, body: o.deployment });
    } catch (e) {
      throw new RtError(`resuming the Deployment ${name} in namespace ${namespace} failed: ${apiErrorLine(e)}`, { code: 'kubernetes_resume_failed' });
    }
  }

  /** uid and gid of the image's numeric USER; root or a name becomes nobody (containerUser) */
  private async imageUser(image: string): Promise<{ uid: number; gid: number }> {
    const [uid, gid] = containerUser((await this.opts.engine.docker.getImage(image).inspect()).Config.User).split(':').map(Number) as [number, number];
    return { uid, gid };
  }

  /** a version's objects (all, or those named), each gone or never made (404 is success) */
  private async deleteObjects(name: string, kinds: readonly ObjectKind[] = OBJECT_KINDS): Promise<void> {
    const namespace = this.opts.namespace;
    const remove: Record<ObjectKind, () => Promise<unknown>> = {
      Secret: () => this.core.deleteNamespacedSecret({ name, namespace }),
      Service: () => this.core.deleteNamespacedService({ name, namespace }),
      NetworkPolicy: () => this.net.deleteNamespacedNetworkPolicy({ name, namespace }),
      Deployment: () => this.apps.deleteNamespacedDeployment({ name, namespace }),
    };
    const gone = (e: unknown) => {
      if (!isNotFound(e)) throw new RtError(`deleting ${name} in namespace ${namespace} failed: ${apiErrorLine(e)}`, { code: 'kubernetes_delete_failed' });
    };
    // the Deployment first: its pods stop before the Secret they read goes
    if (kinds.includes('Deployment')) await remove.Deployment().catch(gone);
    const results = await Promise.allSettled(kinds.filter((k) => k !== 'Deployment').map((k) => remove[k]().catch(gone)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** resolves when every replica is ready, the rollout cannot finish, or the rollout timeout passed */
  private waitRollout(spec: InstanceSpec, name: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const finish = () => {
        off();
        clearTimeout(timer);
        resolve();
      };
      const check = () => {
        const d = this.view.deployment(name);
        if (d && (rolledOut(d) || rolloutFailure(d, this.view.podsWith(instanceSelector(spec, this.owner))))) finish();
      };
      const off = this.view.onChange(check);
      const timer = setTimeout(finish, this.opts.rolloutTimeoutMs);
      check();
    });
  }

  /** the events of a version's pods, one line each */
  private async podEvents(ref: InstanceRef): Promise<string[]> {
    const lines: string[] = [];
    try {
      for (const pod of this.view.podsWith(instanceSelector(ref, this.owner)).map((p) => p.metadata!.name!)) {
        const events = await this.core.listNamespacedEvent({ namespace: this.opts.namespace, fieldSelector: `involvedObject.name=${pod}` });
        for (const e of events.items) lines.push(`event ${pod}: ${e.reason ?? ''}: ${e.message ?? ''}`);
      }
    } catch (e) {
      lines.push(`(events unavailable: ${apiErrorLine(e)})`);
    }
    return lines;
  }

  private async podLog(pod: string, tail: number | undefined): Promise<string[]> {
    const text = await this.core.readNamespacedPodLog({ name: pod, namespace: this.opts.namespace, container: 'job', ...(tail !== undefined ? { tailLines: tail } : {}) })
      .catch((e: unknown) => (isNotFound(e) ? '' : Promise.reject(e)));
    return String(text).split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
  }

  private readyPods(ref: InstanceRef): string[] {
    const d = this.view.deployment(objectName(ref));
    const port = d?.spec?.template.spec?.containers[0]?.ports?.[0]?.containerPort;
    if (!port) return [];
    return this.view.podsWith(instanceSelector(ref, this.owner)).filter((p) => podReady(p) && p.status?.podIP).map((p) => `${p.status!.podIP}:${port}`);
  }

  private statusOf(ref: InstanceRef, d: V1Deployment): InstanceState {
    if ((d.status?.readyReplicas ?? 0) > 0) return { status: 'running' };
    const pods = this.view.podsWith(instanceSelector(ref, this.owner));
    const failing = pods.map(podFailure).find(Boolean) ?? rolloutFailure(d, [])?.cause;
    return failing ? { status: 'error', detail: failing } : { status: 'starting' };
  }

  /** tells onStatus when a version changed state on its own (a crash loop, a recovery, deleted behind our back) */
  private reportChanges(): void {
    for (const [key, last] of this.reported) {
      const [name, version, deploymentId] = key.split('\0') as [string, string, string];
      const ref = { name, version, deploymentId };
      if (this.stopping.has(key)) continue;
      const d = this.view.deployment(objectName(ref));
      const state: InstanceState = d ? this.statusOf(ref, d) : { status: 'lost', detail: `Deployment ${objectName(ref)} is gone` };
      if (state.status === last) continue;
      if (state.status === 'lost') this.reported.delete(key);
      else this.reported.set(key, state.status);
      this.opts.onStatus?.(ref, state);
    }
    for (const d of this.view.allDeployments()) {
      const ref = refOf(d.metadata);
      if (ref && !this.reported.has(keyOf(ref)) && !this.stopping.has(keyOf(ref))) this.reported.set(keyOf(ref), this.statusOf(ref, d).status);
    }
  }
}

/** the image a Deployment's pods run (by digest, as start() pushed it) */
function podImage(d: V1Deployment): string {
  return d.spec!.template.spec!.containers[0]!.image!;
}

/** the uid and gid a Deployment's pods run as */
function podUser(d: V1Deployment): { uid: number; gid: number } {
  const sc = d.spec!.template.spec!.securityContext!;
  return { uid: sc.runAsUser!, gid: sc.runAsGroup! };
}
