// The jobs service: what is deployed, who may see and change it, and a job family's life. A version's own life
// (start, idle, wake, scale, withdraw…) belongs to the VersionLifecycle it holds; every face calls through here.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { JobStore, JobVersion } from '../db/index.js';
import { subjectRef, type AuthService, type Subject } from '../auth/index.js';
import type { InfrastructureTarget, InstanceRef, InstanceSpec, TargetRegistry } from '../deploy/index.js';
import type { RouteTable } from '../router/index.js';
import { JobNotFoundError, UsageError } from '../core/errors.js';
import { killProcessesUnder } from '../core/kill-processes-under.js';
import { formatDuration } from '../core/parse-duration.js';
import type { PlatformMetrics } from '../core/platform-metrics.js';
import type { AuditLog } from '../audit/index.js';
import { MAX_REPLICAS } from '../manifest/index.js';
import { jobEnv } from './job-env.js';
import { jobView, type JobView } from './job-view.js';
import { VersionLifecycle, type LifecyclePolicy, type SpecSource } from './version-lifecycle.js';

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
  policy: LifecyclePolicy;
  metrics: PlatformMetrics;
  /** told when a family ended (its last version is gone): its git history goes too, so a new family starts clean */
  onFamilyEnded?: (name: string) => void;
}

export class JobsService {
  readonly lifecycle: VersionLifecycle;

  constructor(private readonly d: JobsServiceDeps) {
    this.lifecycle = new VersionLifecycle({
      store: d.store, targets: d.targets, audit: d.audit, readyTimeoutMs: d.readyTimeoutMs, policy: d.policy, metrics: d.metrics,
      specOf: (v) => this.instanceSpec(v),
    });
  }

  /** one deploy, delete or change of a job at a time */
  get locks() {
    return this.lifecycle.locks;
  }

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
    return jobView(v, this.d.publicUrl(), this.latestVersion(v.name), this.lifecycle.idleAfterOf(v));
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

  private instanceSpec(v: SpecSource, deployedAt = Date.now()): InstanceSpec {
    return {
      name: v.name,
      version: v.version,
      deploymentId: v.deploymentId,
      replicas: v.replicas ?? v.manifest.replicas,
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

  /** post-receive (or an upload) made NAME VERSION a candidate for `latest` */
  promote(name: string, version: string): Promise<void> {
    return this.lifecycle.promote(name, version);
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
    await this.lifecycle.withdraw(v);
    this.d.audit.record(subject, 'job.delete', { job: v.name, detail: v.version });
  }

  // ---- operations on one version (CONTRACT §15), each needing deploy_job on the job

  /** `jobs scale`: replicas now, no rebuild; an idle or stopped version starts with them next time. */
  async scale(subject: Subject, name: string, version: string, replicas: number): Promise<JobVersion> {
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) throw new UsageError(`replicas: must be a whole number from 1 to ${MAX_REPLICAS}, not ${replicas}`);
    return this.#change(subject, name, version, 'job.scale', `replicas ${replicas}`, (v) => this.lifecycle.scale(v, replicas));
  }

  /** `jobs idle`: stop after this long without calls (ms), 0 = never, null = the server's RACETRACK_IDLE_STOP_AFTER. */
  async setIdle(subject: Subject, name: string, version: string, afterMs: number | null): Promise<JobVersion> {
    const detail = afterMs === null ? 'server default' : afterMs === 0 ? 'off' : formatDuration(afterMs);
    return this.#change(subject, name, version, 'job.idle', `idle stop ${detail}`, async (v) => this.d.store.configure(v.name, v.version, { idleAfterMs: afterMs }));
  }

  /** `jobs pin`: retention never stops a pinned version. */
  async pin(subject: Subject, name: string, version: string, pinned: boolean): Promise<JobVersion> {
    return this.#change(subject, name, version, pinned ? 'job.pin' : 'job.unpin', pinned ? 'pinned' : 'unpinned', async (v) => {
      this.d.store.configure(v.name, v.version, { pinned });
      if (!pinned) await this.lifecycle.applyRetention(name); // unpinned, it may be one too many now
    });
  }

  async #change(subject: Subject, name: string, version: string, action: string, detail: string, fn: (v: JobVersion) => Promise<void>): Promise<JobVersion> {
    this.d.auth.require(subject, 'deploy_job', name);
    return this.locks.with(name, async () => {
      const v = this.d.store.get(name, version);
      if (!v) throw this.notFound(name, version);
      try {
        await fn(v);
      } catch (e) {
        this.d.audit.record(subject, action, { job: name, detail: `${version} ${detail}: ${(e as Error).message}`, ok: false });
        throw e;
      }
      this.d.audit.record(subject, action, { job: name, detail: `${version} ${detail}` });
      return this.d.store.get(name, version)!;
    });
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
  restoreAll(): Promise<void> {
    return this.lifecycle.restoreAll();
  }
}
