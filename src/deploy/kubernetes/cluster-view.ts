// What this server has on the cluster, as the API server tells it: one informer (list, then watch, resumed from the
// last resource version when the watch drops) for this server's Deployments and one for their pods. Rollout waits,
// status, adoption and the pod relays read this cache; no request polls the API.
import { AppsV1Api, CoreV1Api, makeInformer, type Informer, type KubeConfig, type KubernetesObject, type ObjectCache, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { logger } from '../../core/log.js';
import { RtError } from '../../core/errors.js';
import { apiErrorLine } from './api-error.js';

const log = logger('rt:deploy:kubernetes');
/** after a failed list or a dropped watch, the informer starts again: at once, then once a second while that fails */
const RESTART_MS = 1000;

type Cache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export class ClusterView {
  private readonly deployments: Cache<V1Deployment>;
  private readonly pods: Cache<V1Pod>;
  private readonly listeners = new Set<() => void>();
  private starting?: Promise<void>;
  private closed = false;
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly lastRetry = new Map<string, number>();

  constructor(kc: KubeConfig, private readonly namespace: string, labelSelector: string) {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    this.deployments = makeInformer(kc, `/apis/apps/v1/namespaces/${namespace}/deployments`,
      () => apps.listNamespacedDeployment({ namespace, labelSelector }), labelSelector) as Cache<V1Deployment>;
    this.pods = makeInformer(kc, `/api/v1/namespaces/${namespace}/pods`,
      () => core.listNamespacedPod({ namespace, labelSelector }), labelSelector) as Cache<V1Pod>;
    this.follow('deployments', this.deployments);
    this.follow('pods', this.pods);
  }

  /** Lists both kinds and follows them; rejects, naming the cause, when the API server does not answer the lists. */
  start(): Promise<void> {
    return (this.starting ??= (async () => {
      const failures: unknown[] = [];
      const record = (e: unknown) => failures.push(e);
      this.deployments.on('error', record);
      this.pods.on('error', record);
      try {
        await Promise.all([this.deployments.start(), this.pods.start()]);
      } finally {
        this.deployments.off('error', record);
        this.pods.off('error', record);
      }
      if (failures.length) throw new RtError(`the Kubernetes API does not answer for namespace ${this.namespace}: ${apiErrorLine(failures[0])}`, { code: 'kubernetes_unreachable' });
    })().catch((e: unknown) => {
      this.starting = undefined;
      throw e;
    }));
  }

  deployment(name: string): V1Deployment | undefined {
    return this.deployments.get(name, this.namespace);
  }

  allDeployments(): V1Deployment[] {
    return [...this.deployments.list(this.namespace)];
  }

  /** pods whose labels include all of `labels`, by name */
  podsWith(labels: Record<string, string>): V1Pod[] {
    return this.pods.list(this.namespace)
      .filter((p) => Object.entries(labels).every(([k, v]) => p.metadata?.labels?.[k] === v))
      .sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
  }

  /** told on every change of a Deployment or pod (also those a resumed watch replays) */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    for (const t of this.retries.values()) clearTimeout(t);
    void this.deployments.stop();
    void this.pods.stop();
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  private follow<T extends KubernetesObject>(what: string, informer: Cache<T>): void {
    informer.on('change', () => this.changed());
    informer.on('error', (e: unknown) => this.restartLater(what, informer, e));
  }

  private restartLater<T extends KubernetesObject>(what: string, informer: Cache<T>, e: unknown): void {
    if (this.closed || this.retries.has(what)) return;
    log.warn({ what, err: apiErrorLine(e) }, 'watch ended; following again');
    // a dropped watch resumes at once; when that fails too (the API server is down), once a second
    const last = this.lastRetry.get(what) ?? 0;
    const delay = Date.now() - last < 2 * RESTART_MS ? RESTART_MS : 0;
    this.retries.set(what, setTimeout(() => {
      this.retries.delete(what);
      this.lastRetry.set(what, Date.now());
      if (!this.closed) informer.start().catch(() => {});
    }, delay));
  }
}
