// A STAND-IN for a kubelet and the Deployment controller, not a cluster: it runs each Deployment's pods as containers on
// the test's Docker engine and reports back as the real ones do: Pod objects with their IP, phase, container states
// (CrashLoopBackOff, ErrImagePull) and Ready condition from the readiness probe; Events; the Deployment's status
// (replicas, readyReplicas, conditions). It honours the pod's securityContext, env from Secrets and resource limits.
// Simplifications, on purpose: pods are owned by the Deployment directly (no ReplicaSet); probes run every PROBE_MS,
// not at periodSeconds; liveness and startup probes are not run; NetworkPolicy is not enforced (the stand-in network
// has inter-container traffic off, so pods reach no other pod at all).
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type Docker from 'dockerode';
import { containerLogs } from '../../src/deploy/docker/container-logs.js';
import { readJsonLines } from '../../src/core/read-json-lines.js';
import { parseMemoryQuantity } from '../../src/manifest/index.js';
import type { FakeKubeApi, LogRequest } from './fake-api/fake-api-server.js';
import type { Change, KubeObject } from './fake-api/object-store.js';
import { RESOURCES, type Resource } from './fake-api/resources.js';

export const STAND_IN_NETWORK = 'racetrack-k8s-stand-in';
const STAND_IN_LABEL = 'racetrack.k8s-stand-in';
const PROBE_MS = 200;
const kind = (k: string): Resource => RESOURCES.find((r) => r.kind === k)!;
const DEPLOYMENT = kind('Deployment');
const POD = kind('Pod');
const SECRET = kind('Secret');
const EVENT = kind('Event');

interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path?: string; port: number | string } };
  resources?: { limits?: { memory?: string; cpu?: string } };
  securityContext?: { runAsUser?: number; runAsGroup?: number; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] }; readOnlyRootFilesystem?: boolean };
}

interface RunningPod {
  containerId?: string;
  timer?: NodeJS.Timeout;
  /** the last status written, to write only changes */
  written?: string;
  backOffReported?: boolean;
}

export class StandInKubelet {
  /** a fault switch: while set, every image pull fails with this message (as a registry refusing the node would) */
  pullRefused: string | undefined;
  private readonly pods = new Map<string, RunningPod>();
  private unsubscribe?: () => void;
  private network?: string;

  constructor(private readonly api: FakeKubeApi, private readonly docker: Docker) {}

  async start(): Promise<void> {
    this.network = await ensureNetwork(this.docker);
    this.api.logSource = (pod, req) => this.logs(pod, req);
    // as a real kubelet, it acts after the API server answered, never inside the request that made the change
    this.unsubscribe = this.api.store.subscribe((c) => setImmediate(() => {
      try {
        this.onChange(c);
      } catch {
        // the object changed again meanwhile: the next change reconciles
      }
    }));
    for (const d of this.api.store.list(DEPLOYMENT)) this.reconcile(d);
  }

  /** removes every container it started; the objects stay */
  async close(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([...this.pods.keys()].map((name) => this.removePod(name)));
  }

  private onChange(c: Change): void {
    if (c.resource === DEPLOYMENT && c.type !== 'DELETED') {
      const current = this.api.store.get(DEPLOYMENT, c.object.metadata.name);
      if (current) this.reconcile(current);
    }
    if (c.resource === POD && c.type === 'DELETED') {
      void this.removePod(c.object.metadata.name);
      const owner = c.object.metadata.ownerReferences?.[0];
      const deployment = owner && this.api.store.get(DEPLOYMENT, owner.name);
      if (deployment) this.reconcile(deployment);
    }
  }

  private podsOf(d: KubeObject): KubeObject[] {
    return this.api.store.list(POD).filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid));
  }

  /** as many pods as spec.replicas (synchronous: two changes never both create the missing pods) */
  private reconcile(d: KubeObject): void {
    const pods = this.podsOf(d);
    const want = d.spec?.replicas ?? 1;
    for (const extra of pods.slice(want)) this.api.store.delete(POD, extra.metadata.name);
    const template = d.spec!.template as KubeObject;
    for (let i = pods.length; i < want; i++) {
      const pod = this.api.store.create(POD, {
        metadata: {
          name: `${d.metadata.name.slice(0, 240)}-${randomBytes(3).toString('hex')}`,
          labels: template.metadata?.labels ?? {},
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid! }],
        },
        spec: template.spec,
      });
      this.pods.set(pod.metadata.name, {});
      void this.runPod(pod).catch(() => {});
    }
    this.writeDeploymentStatus(d.metadata.name);
  }

  private async runPod(pod: KubeObject): Promise<void> {
    const name = pod.metadata.name;
    const spec = pod.spec as { containers: Container[]; securityContext?: Container['securityContext'] };
    const c = spec.containers[0]!;
    const pulled = await this.pull(c).catch((e: Error) => e);
    if (pulled instanceof Error) {
      this.event(pod, 'Failed', `Failed to pull image "${c.image}": ${pulled.message}`);
      this.writePodStatus(name, { phase: 'Pending', waiting: { reason: 'ErrImagePull', message: pulled.message } });
      // as a real kubelet, it backs off before the next pull and says so
      const running = this.pods.get(name);
      if (running) running.timer = setTimeout(() => this.writePodStatus(name, { phase: 'Pending', waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}": ErrImagePull: ${pulled.message}` } }), PROBE_MS);
      return;
    }
    const env: string[] = [];
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (!ref) {
        env.push(`${e.name}=${e.value ?? ''}`);
        continue;
      }
      const value = (this.api.store.get(SECRET, ref.name)?.data as Record<string, string> | undefined)?.[ref.key];
      if (value === undefined) return this.writePodStatus(name, { phase: 'Pending', waiting: { reason: 'CreateContainerConfigError', message: `secret "${ref.name}" not found` } });
      env.push(`${e.name}=${Buffer.from(value, 'base64').toString('utf8')}`);
    }
    const sc = { ...spec.securityContext, ...c.securityContext };
    const container = await this.docker.createContainer({
      name: `rt-k8s-stand-in-${name}`,
      Image: c.image,
      Env: env,
      ...(sc.runAsUser !== undefined ? { User: `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}` } : {}),
      Labels: { [STAND_IN_LABEL]: name },
      HostConfig: {
        NetworkMode: this.network,
        RestartPolicy: { Name: 'always' },
        Init: true,
        CapDrop: sc.capabilities?.drop ?? [],
        SecurityOpt: sc.allowPrivilegeEscalation === false ? ['no-new-privileges'] : [],
        ReadonlyRootfs: sc.readOnlyRootFilesystem === true,
        PidsLimit: 1024,
        ...(c.resources?.limits?.memory ? { Memory: Math.round(parseMemoryQuantity(c.resources.limits.memory) ?? 0) } : {}),
      },
    });
    const running = this.pods.get(name);
    if (!running) {
      await container.remove({ force: true }).catch(() => {});
      return;
    }
    running.containerId = container.id;
    await container.start();
    // removed while it started (removePod took the container and had no timer to clear yet): nothing to watch
    if (this.pods.get(name) !== running) return;
    running.timer = setInterval(() => void this.observe(pod, c).catch(() => {}), PROBE_MS);
    await this.observe(pod, c);
  }

  private async pull(c: Container): Promise<void> {
    if (this.pullRefused !== undefined) throw new Error(this.pullRefused);
    const present = await this.docker.getImage(c.image).inspect().then(() => true, () => false);
    if (present && c.imagePullPolicy !== 'Always') return;
    const stream = await this.docker.pull(c.image);
    for await (const event of readJsonLines(stream)) if (event.error) throw new Error(String(event.error));
  }

  /** the container's state and readiness, as pod status */
  private async observe(pod: KubeObject, c: Container): Promise<void> {
    const running = this.pods.get(pod.metadata.name);
    if (!running?.containerId) return;
    const info = await this.docker.getContainer(running.containerId).inspect();
    const ip = Object.values(info.NetworkSettings.Networks ?? {})[0]?.IPAddress ?? '';
    const up = info.State.Running && !info.State.Restarting;
    let ready = false;
    const probe = c.readinessProbe?.httpGet;
    if (up && ip && probe) {
      const port = typeof probe.port === 'number' ? probe.port : c.ports?.find((p) => p.name === probe.port)?.containerPort ?? 0;
      ready = await httpOk(ip, port, probe.path ?? '/');
    } else ready = up;
    const crashing = !up && info.RestartCount > 0;
    if (crashing && !running.backOffReported) {
      running.backOffReported = true;
      this.event(pod, 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}`);
    }
    this.writePodStatus(pod.metadata.name, {
      phase: 'Running', ip, ready, restartCount: info.RestartCount, startedAt: info.State.StartedAt,
      ...(crashing ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${c.name} in pod ${pod.metadata.name}` }, exitCode: info.State.ExitCode } : {}),
    });
  }

  private writePodStatus(name: string, s: { phase: string; ip?: string; ready?: boolean; restartCount?: number; startedAt?: string; exitCode?: number; waiting?: { reason: string; message: string } }): void {
    const running = this.pods.get(name);
    const pod = this.api.store.get(POD, name);
    if (!running || !pod) return;
    const c = (pod.spec as { containers: Container[] }).containers[0]!;
    const ready = s.ready === true ? 'True' : 'False';
    const status = {
      phase: s.phase,
      ...(s.ip ? { podIP: s.ip, podIPs: [{ ip: s.ip }], hostIP: '127.0.0.1' } : {}),
      conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'ContainersReady', status: ready }, { type: 'Ready', status: ready }],
      containerStatuses: [{
        name: c.name, image: c.image, imageID: '', ready: s.ready === true, restartCount: s.restartCount ?? 0, started: !s.waiting && s.phase === 'Running',
        state: s.waiting ? { waiting: s.waiting } : s.phase === 'Running' ? { running: { startedAt: s.startedAt } } : { waiting: { reason: 'ContainerCreating' } },
        ...(s.exitCode !== undefined ? { lastState: { terminated: { exitCode: s.exitCode, reason: 'Error' } } } : {}),
      }],
    };
    const text = JSON.stringify(status);
    if (running.written === text) return;
    running.written = text;
    this.api.store.update(POD, { ...pod, status }, 'status');
    const owner = pod.metadata.ownerReferences?.[0];
    if (owner) this.writeDeploymentStatus(owner.name);
  }

  private writeDeploymentStatus(name: string): void {
    const d = this.api.store.get(DEPLOYMENT, name);
    if (!d) return;
    const pods = this.podsOf(d);
    const ready = pods.filter((p) => (p.status?.conditions as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
    const want = d.spec?.replicas ?? 1;
    const available = ready >= want;
    const status = {
      observedGeneration: d.metadata.generation, replicas: pods.length, updatedReplicas: pods.length, readyReplicas: ready, availableReplicas: ready,
      ...(want - ready > 0 ? { unavailableReplicas: want - ready } : {}),
      conditions: [
        { type: 'Available', status: available ? 'True' : 'False', reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.' },
        { type: 'Progressing', status: 'True', reason: available ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', message: `ReplicaSet "${name}" is progressing.` },
      ],
    };
    if (JSON.stringify(status) === JSON.stringify(d.status)) return;
    this.api.store.update(DEPLOYMENT, { ...d, status }, 'status');
  }

  private event(pod: KubeObject, reason: string, message: string): void {
    const now = new Date().toISOString();
    this.api.store.create(EVENT, {
      metadata: { name: `${pod.metadata.name}.${randomBytes(6).toString('hex')}` },
      involvedObject: { kind: 'Pod', name: pod.metadata.name, namespace: this.api.namespace, uid: pod.metadata.uid },
      reason, message, type: 'Warning', count: 1, firstTimestamp: now, lastTimestamp: now, source: { component: 'kubelet' },
    });
  }

  private async removePod(name: string): Promise<void> {
    const running = this.pods.get(name);
    if (!running) return;
    this.pods.delete(name);
    clearInterval(running.timer);
    if (running.containerId) await this.docker.getContainer(running.containerId).remove({ force: true }).catch(() => {});
  }

  private async *logs(pod: string, req: LogRequest): AsyncIterable<string> {
    const id = this.pods.get(pod)?.containerId;
    if (!id) return;
    yield* containerLogs([this.docker.getContainer(id)], { follow: req.follow, signal: req.signal, ...(req.tailLines !== undefined ? { tail: req.tailLines } : {}) });
  }
}

/** the stand-in's pod network: a bridge with inter-container traffic off; the host reaches every pod's IP */
async function ensureNetwork(docker: Docker): Promise<string> {
  const existing = (await docker.listNetworks({ filters: { name: [STAND_IN_NETWORK] } })).find((n) => n.Name === STAND_IN_NETWORK);
  if (existing) return existing.Id;
  const created = await docker.createNetwork({ Name: STAND_IN_NETWORK, Driver: 'bridge', Options: { 'com.docker.network.bridge.enable_icc': 'false' } }).catch(async (e: { statusCode?: number }) => {
    if (e.statusCode !== 409) throw e;
    return undefined;
  });
  return created?.id ?? (await docker.listNetworks({ filters: { name: [STAND_IN_NETWORK] } })).find((n) => n.Name === STAND_IN_NETWORK)!.Id;
}

function httpOk(host: string, port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
