// The jobs service: what runs where. Keeps SQLite, the targets and the gateway's route table in step.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { JobStore, JobVersion, JobVersionStatus } from '../db/index.js';
import { subjectRef, type AuthService, type Subject } from '../auth/index.js';
import { readyProbe, waitReady, type InfrastructureTarget, type InstanceRef, type InstanceSpec, type InstanceState, type TargetRegistry } from '../deploy/index.js';
import type { RouteTable, RouteVersion } from '../router/index.js';
import { JobNotFoundError, RtError } from '../core/errors.js';
import { killProcessesUnder } from '../core/kill-processes-under.js';
import type { AuditLog } from '../audit/index.js';
import { logger } from '../core/log.js';
import type { Artifact } from '../jobtypes/index.js';
import type { Manifest } from '../manifest/index.js';
import { jobEnv } from './job-env.js';
import { jobView, type JobView } from './job-view.js';
import { JobLocks } from './job-lock.js';

const log = logger('rt:jobs');
/** how long a replaced or deleted instance keeps running after its route is gone */
const ROUTE_SWITCH_GRACE_MS = 300;

export interface JobsServiceDeps {
  store: JobStore;
  targets: TargetRegistry;
  routes: RouteTable;
  auth: AuthService;
  /** where jobs reach the gateway, e.g. http://127.0.0.1:7002/pub */
  pubUrl: () => string;
  /** base of the URLs shown to people */
  publicUrl: () => string;
  secretsFor: (name: string) => Record<string, string>;
  readyTimeoutMs: number;
  audit: AuditLog;
  /** told when a family ended (its last version is gone): its git history goes too, so a new family starts clean */
  onFamilyEnded?: (name: string) => void;
}

export class JobsService {
  readonly locks = new JobLocks();

  constructor(private readonly d: JobsServiceDeps) {}

  /** Newest version per job (or every version with all), newest first within a job; only readable ones with readableBy. */
  list(opts: { all?: boolean; readableBy?: Subject } = {}): JobVersion[] {
    const reader = opts.readableBy;
    const versions = this.d.store.versions().filter((v) => !reader || this.d.auth.can(reader, 'read_job', v.name));
    if (opts.all) return versions;
    const seen = new Set<string>();
    return versions.filter((v) => !seen.has(v.name) && seen.add(v.name));
  }

  /** How a version is shown on every face, with its URL and whether `latest` points at it. */
  view(v: JobVersion): JobView {
    return jobView(v, this.d.publicUrl(), this.latestVersion(v.name));
  }

  /** Instances found on a target that no version records (a container left by a lost database, say). */
  async orphans(): Promise<(InstanceRef & { target: string })[]> {
    const known = new Set(this.d.store.versions().map((v) => v.deploymentId));
    const found: (InstanceRef & { target: string })[] = [];
    for (const t of this.d.targets.all()) {
      for (const ref of await t.list()) if (!known.has(ref.deploymentId)) found.push({ ...ref, target: t.name });
    }
    return found;
  }

  /** the version `latest` resolves to now, if any */
  latestVersion(name: string): string | undefined {
    return this.d.routes.resolve(name, 'latest')?.version;
  }

  versionsOf(name: string): JobVersion[] {
    return this.d.store.versions(name);
  }

  /** What `jobs info` and GET /job/NAME/VERSION show: the version, if the subject may read the job. */
  read(subject: Subject, name: string, version?: string): JobVersion {
    this.d.auth.require(subject, 'read_job', name);
    return this.get(name, version);
  }

  /** NAME [VERSION]: an exact version, `latest`/x-pattern through the route table, or the newest when omitted. */
  get(name: string, version?: string): JobVersion {
    const exact = version && this.d.store.get(name, version);
    if (exact) return exact;
    const resolved = version ? this.d.routes.resolve(name, version)?.version : this.d.store.versions(name)[0]?.version;
    const v = resolved && this.d.store.get(name, resolved);
    if (!v) throw this.notFound(name, version);
    return v;
  }

  /** `job "x" not found` when there is no such job at all, naming the version only when the job exists. */
  private notFound(name: string, version?: string): JobNotFoundError {
    return new JobNotFoundError(name, this.d.store.versions(name).length ? version : undefined);
  }

  instanceSpec(v: { name: string; version: string; deploymentId: string; commit: string; manifest: Manifest }, deployedAt = Date.now()): InstanceSpec {
    return {
      name: v.name,
      version: v.version,
      deploymentId: v.deploymentId,
      replicas: v.manifest.replicas,
      resources: v.manifest.resources,
      env: jobEnv({
        name: v.name,
        version: v.version,
        commit: v.commit,
        manifest: v.manifest,
        secrets: this.d.secretsFor(v.name),
        pubUrl: this.d.pubUrl(),
        authToken: this.d.auth.familyToken(v.name),
        deployedAt,
      }),
    };
  }

  target(name: string, source?: string): InfrastructureTarget {
    return this.d.targets.get(name, source);
  }

  /** A first deploy of NAME VERSION has started: calls to that exact version get 503 (starting), not 404. */
  announceStarting(v: { name: string; version: string; upstreams: string[]; manifest: Manifest }): void {
    if (this.d.store.get(v.name, v.version)) return; // a version that serves keeps serving until replaced
    this.d.routes.upsert({ name: v.name, version: v.version, status: 'starting', upstreams: v.upstreams, publicEndpoints: v.manifest.public_endpoints, promoted: false });
  }

  /** The deploy announced by announceStarting failed: unless a recorded version serves under that name, it is gone. */
  withdrawStarting(name: string, version: string): void {
    if (!this.d.store.get(name, version)) this.d.routes.remove(name, version);
  }

  /** A version became ready: record it, and route exact-version calls to it (latest moves on promote). */
  activate(v: Omit<JobVersion, 'promoted' | 'error' | 'createdAt' | 'updatedAt' | 'lastCallAt' | 'status'>): void {
    this.d.store.put({ ...v, status: 'running' });
    this.d.routes.upsert(this.routeOf(this.d.store.get(v.name, v.version)!));
  }

  promote(name: string, version: string): void {
    this.d.store.promote(name, version);
    this.d.routes.upsert(this.routeOf(this.d.store.get(name, version)!));
  }

  /** Runtime log lines of NAME VERSION: the last `tail`, then new ones with follow. */
  logs(subject: Subject, name: string, version: string | undefined, opts: { tail?: number; follow?: boolean; signal?: AbortSignal }): AsyncIterable<string> {
    this.d.auth.require(subject, 'read_job', name);
    const v = this.get(name, version);
    return this.d.targets.get(v.target).logs(v, opts);
  }

  async delete(subject: Subject, name: string, version: string): Promise<void> {
    this.d.auth.require(subject, 'delete_job', name);
    await this.locks.with(name, async () => {
      const v = this.d.store.get(name, version);
      if (!v) throw this.notFound(name, version);
      await this.remove(subject, v);
      this.endFamilyIfEmpty(subject, name);
    });
  }

  /** Every version, and the family with them; also a family whose every deploy failed (it has a name and a token, no version). */
  async deleteAll(subject: Subject, name: string): Promise<number> {
    this.d.auth.require(subject, 'delete_job', name);
    return this.locks.with(name, async () => {
      const versions = this.d.store.versions(name);
      if (!versions.length && !this.d.store.familyExists(name)) throw new JobNotFoundError(name);
      for (const v of versions) await this.remove(subject, v);
      this.endFamilyIfEmpty(subject, name);
      return versions.length;
    });
  }

  private async remove(subject: Subject, v: JobVersion): Promise<void> {
    this.d.routes.remove(v.name, v.version);
    this.d.store.delete(v.name, v.version);
    await this.stopInstance(v);
    await this.d.targets.get(v.target).purge(v);
    this.d.audit.record(subject, 'job.delete', { job: v.name, detail: v.version });
  }

  // ---- job families: a name's life from its first accepted deploy to the deletion of its last version

  familyExists(name: string): boolean {
    return this.d.store.familyExists(name);
  }

  /** The first accepted deploy of NAME creates its family, owned by the deployer (held under NAME's lock, so one deployer wins). */
  openFamily(name: string, owner: Subject): void {
    if (this.d.store.familyExists(name)) return;
    this.d.store.createFamily(name, owner.kind === 'user' ? owner.name : subjectRef(owner));
    this.d.auth.ownFamily(name, owner);
    this.d.audit.record(owner, 'job.family.create', { job: name, detail: `owned by ${subjectRef(owner)}` });
  }

  /**
   * NAME has no version left: the family ends. Its token stops working, and its grants (to `job:NAME` and on
   * NAME) and secrets go, so a new family that reuses the name inherits none of them. Under NAME's lock.
   */
  private endFamilyIfEmpty(actor: Subject, name: string): void {
    if (this.d.store.versions(name).length || !this.d.store.familyExists(name)) return;
    this.d.store.deleteFamily(name);
    this.d.auth.forgetFamily(name);
    this.d.onFamilyEnded?.(name);
    this.d.audit.record(actor, 'job.family.end', { job: name, detail: 'its token is revoked; its grants, secrets and repository are removed' });
  }

  /**
   * Stop an instance whose routes are already gone, and remove its build folder. Calls the gateway sent
   * just before the switch still reach it; the job's own SIGTERM drain answers those in flight.
   */
  async stopInstance(v: { name: string; version: string; deploymentId: string; target: string; artifact: Record<string, unknown> }): Promise<void> {
    await new Promise((r) => setTimeout(r, ROUTE_SWITCH_GRACE_MS));
    await this.d.targets.get(v.target).stop(v);
    const buildDir = v.artifact.buildDir;
    if (typeof buildDir === 'string') rmSync(buildDir, { recursive: true, force: true });
  }

  /** Build folders no version uses (left by a deploy a crash interrupted) are removed at start. */
  pruneBuilds(buildsDir: string): void {
    const inUse = new Set(this.d.store.versions().map((v) => v.artifact.buildDir));
    for (const entry of readdirSync(buildsDir)) {
      const dir = join(buildsDir, entry);
      if (inUse.has(dir)) continue;
      killProcessesUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** After a start: bring back every version that was running, on its target, without rebuilding. */
  async restoreAll(): Promise<void> {
    const versions = this.d.store.versions();
    const running = new Map<string, InstanceRef[]>();
    for (const t of this.d.targets.all()) running.set(t.name, await t.list());
    await Promise.all(versions.map(async (v) => {
      const target = this.d.targets.get(v.target);
      const adopted = running.get(v.target)?.some((r) => r.deploymentId === v.deploymentId);
      try {
        const upstreams = adopted ? v.upstreams : await target.start(this.instanceSpec(v), storedArtifact(v));
        this.d.store.setStatus(v.name, v.version, 'starting', { upstreams, error: null });
        await waitReady(upstreams, { timeoutMs: this.d.readyTimeoutMs, probe: readyProbe(v.artifact as unknown as Artifact) });
        this.d.store.setStatus(v.name, v.version, 'running');
      } catch (e) {
        log.error({ job: v.name, version: v.version, err: (e as Error).message }, 'could not restore');
        this.d.store.setStatus(v.name, v.version, 'error', { error: (e as Error).message });
      }
    }));
    this.d.routes.replaceAll(this.d.store.versions().map((v) => this.routeOf(v)));
  }

  /** A target reports a change of its own (crash, restart, readiness). */
  onInstanceState(ref: InstanceRef, state: InstanceState): void {
    const v = this.d.store.get(ref.name, ref.version);
    if (!v || v.deploymentId !== ref.deploymentId) return;
    const status: JobVersionStatus = state.status;
    if (status === v.status) return;
    this.d.store.setStatus(v.name, v.version, status, { error: state.detail ?? null });
    this.d.routes.upsert(this.routeOf({ ...v, status }));
  }

  routeOf(v: JobVersion): RouteVersion {
    return {
      name: v.name,
      version: v.version,
      status: v.status === 'orphaned' ? 'lost' : v.status,
      upstreams: v.upstreams,
      publicEndpoints: v.manifest.public_endpoints,
      promoted: v.promoted,
      ...frontedBy(v.artifact),
    };
  }
}

/** A job the platform fronts, as its artifact says: docker-proxy (the gateway maps its paths), a static site (it serves the folder). */
function frontedBy(stored: Record<string, unknown>): Pick<RouteVersion, 'proxyMode' | 'staticRoot'> {
  const artifact = stored as unknown as Artifact;
  if (artifact.kind === 'static') return { staticRoot: artifact.root };
  return artifact.kind === 'image' && artifact.proxy ? { proxyMode: artifact.proxy.mode } : {};
}

/** The artifact a version was built into; a version built before artifacts had a kind must be built again. */
function storedArtifact(v: JobVersion): Artifact {
  const artifact = v.artifact as unknown as Artifact;
  if (typeof artifact.kind !== 'string') {
    throw new RtError(`${v.name} ${v.version} was built by an older Racetrack: redeploy it (ssh … jobs redeploy ${v.name} ${v.version})`);
  }
  return artifact;
}
