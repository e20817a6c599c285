// The InfrastructureTarget contract: where a built job version runs (local processes, Docker, Kubernetes).
import type { Artifact, ArtifactKind, BuildRunner } from '../jobtypes/index.js';

/** One running instance of a job version. A forced re-deploy of the same version is a new instance (new deploymentId). */
export interface InstanceRef {
  name: string;
  version: string;
  deploymentId: string;
}

export interface InstanceSpec extends InstanceRef {
  replicas: number;
  /** the job's whole runtime environment (runtime_env, secrets, JOB_NAME, PUB_URL, AUTH_TOKEN, …) */
  env: Record<string, string>;
  resources: { memory_min?: string; memory_max?: string; cpu_min?: string; cpu_max?: string };
}

/** `host:port` the gateway sends traffic to */
export type Upstream = string;

export type InstanceStatus = 'starting' | 'running' | 'error' | 'lost';

export interface InstanceState {
  status: InstanceStatus;
  /** why it is in error, with the last log lines */
  detail?: string;
}

/** A job's build steps confined the way its processes will be (the local sandbox), for one build. */
export interface ConfinedBuild {
  run: BuildRunner;
  release(): void;
}

export interface InfrastructureTarget {
  name: string;
  /** what it runs: processes (and static sites) for `process`, images for `image`; the job type must build that kind */
  runs: ArtifactKind;
  /** process targets: where a job's build steps run (the job folder and writableDirs writable, the build's environment only) */
  confineBuild?(job: string, jobDir: string, onOutput: (text: string) => void, writableDirs?: string[]): ConfinedBuild;
  start(spec: InstanceSpec, artifact: Artifact): Promise<Upstream[]>;
  /**
   * Changes how many replicas a started instance has, without a rebuild (`jobs scale`). Keeps the first
   * min(old, replicas) replicas and their upstreams, in order; new ones are appended and started (the caller waits
   * for their readiness); removed ones are stopped (the caller has taken them off the route first). Resolves with
   * every upstream, in order. Rejects when the target runs no such instance. Kubernetes: the Deployment's replicas;
   * scale to 0 is never asked (an idle version is suspend()ed).
   */
  scale(ref: InstanceRef, replicas: number): Promise<Upstream[]>;
  stop(ref: InstanceRef): Promise<void>;
  /**
   * An idle version stops serving but keeps what makes its wake quicker; the next start() of the same instance
   * resumes it, with the spec's current environment. Kubernetes: the Deployment at 0 replicas, beside its Service,
   * Secret and NetworkPolicy. Without it, an idle version is stopped with stop().
   */
  suspend?(ref: InstanceRef): Promise<void>;
  status(ref: InstanceRef): Promise<InstanceState>;
  logs(ref: InstanceRef, opts: { tail?: number; follow?: boolean; signal?: AbortSignal }): AsyncIterable<string>;
  /** what runs on the target now, for reconcile after a restart */
  list(): Promise<InstanceRef[]>;
  /** stop everything this server started that must not outlive it (local processes) */
  shutdown(): Promise<void>;
  /** a deleted version is gone for good: drop what the target still keeps of it (log files) */
  purge(ref: { name: string; version: string }): Promise<void>;
}

/** Told by a target when an instance changes state on its own (crash, restart, recovery). */
export type StatusListener = (ref: InstanceRef, state: InstanceState) => void;
