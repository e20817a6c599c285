// The one owner of a job version's life: start → wait ready → activate → (promote) → replace → withdraw, and
// restore at start, scale, idle stop → wake, retention, rollback. It alone changes a version's status and tells the
// targets what to run; it announces every change of what the gateway may route as an event (route-follower.ts
// applies them to the route table).
import { rmSync } from 'node:fs';
import type { JobStore, JobVersion, JobVersionStatus } from '../db/index.js';
import type { NewJobVersion } from '../db/job-store.js';
import { waitReady } from '../core/wait-ready.js';
import { readyProbe, type InstanceRef, type InstanceSpec, type InstanceState, type TargetRegistry, type Upstream } from '../deploy/index.js';
import type { RouteVersion } from '../router/index.js';
import { BadRequestError, RtError } from '../core/errors.js';
import { logger } from '../core/log.js';
import type { AuditLog } from '../audit/index.js';
import type { Artifact } from '../jobtypes/index.js';
import type { Manifest } from '../manifest/index.js';
import { versionKey } from '../core/version-key.js';
import { CallActivity } from './call-activity.js';
import { JobLocks } from './job-lock.js';
import type { PlatformMetrics } from '../core/platform-metrics.js';
import { rollbackTarget, routeOf, versionsToRetire } from './lifecycle-policies.js';

const log = logger('rt:lifecycle');
/** how long a replaced, withdrawn or idled instance keeps running after its route is gone */
const ROUTE_SWITCH_GRACE_MS = 300;
/** readiness probes of a waking version, which a held call waits for */
const WAKE_POLL_MS = 5;
/** the actor the audit names for what the platform decides itself (rollback, retention) */
const PLATFORM = 'platform';

/** What the gateway must learn: a version's route changed, a version is gone, or the whole table (at start). */
export type VersionEvent =
  | { kind: 'routed'; route: RouteVersion }
  | { kind: 'gone'; name: string; version: string }
  | { kind: 'reset'; routes: RouteVersion[] };

/** What a version is started from: enough to make its InstanceSpec (env, secrets, family token). */
export interface SpecSource {
  name: string;
  version: string;
  deploymentId: string;
  commit: string;
  manifest: Manifest;
  /** `jobs scale` override; the manifest's replicas when null or absent */
  replicas?: number | null;
}

export interface LifecyclePolicy {
  /** RACETRACK_IDLE_STOP_AFTER in ms; 0 = versions never idle unless `jobs idle` says so */
  idleAfterMs: number;
  /** RACETRACK_KEEP_VERSIONS; 0 = keep every version running */
  keepVersions: number;
  /** RACETRACK_ROLLBACK_WINDOW in ms */
  rollbackWindowMs: number;
}

export interface LifecycleDeps {
  store: JobStore;
  targets: TargetRegistry;
  audit: AuditLog;
  readyTimeoutMs: number;
  specOf: (v: SpecSource) => InstanceSpec;
  policy: LifecyclePolicy;
  /** idle stops, wakes (and their latency), wake failures, rollbacks, retired versions */
  metrics: PlatformMetrics;
}

/** A version to start by a deploy: where, from what artifact. */
export interface Launch extends SpecSource {
  target: string;
  artifact: Artifact;
}

export class VersionLifecycle {
  readonly locks = new JobLocks();
  readonly #listeners = new Set<(e: VersionEvent) => void>();
  /** wake or idle stop in flight per version: one at a time (a wake queued behind another finds it running) */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** calls in flight (none is idled under a call) and the last call or start per version; the store's last_call_at lags by the call recorder's batch */
  readonly activity = new CallActivity();
  #idleTimer?: NodeJS.Timeout;

  constructor(private readonly d: LifecycleDeps) {}

  /** Told of every routing change; returns an unsubscribe function. */
  subscribe(listener: (e: VersionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(e: VersionEvent): void {
    for (const l of this.#listeners) l(e);
  }

  #routed(name: string, version: string): void {
    const v = this.d.store.get(name, version);
    if (v) this.#emit({ kind: 'routed', route: routeOf(v) });
  }

  // ---- deploy: start, wait ready, activate (replacing what served the version), promote

  /**
   * Starts a deploy's instance and waits until it is ready. Exact-version calls to a version not recorded yet get 503
   * meanwhile. On failure nothing of it is left running and the error carries its last log lines.
   */
  async start(l: Launch, opts: { onStarted?: (probe: string) => void; onWaiting?: (what: string) => void } = {}): Promise<Upstream[]> {
    const target = this.d.targets.get(l.target);
    const spec = this.d.specOf(l);
    const announced = !this.d.store.get(l.name, l.version); // a version that serves keeps serving until replaced
    const tail: string[] = [];
    try {
      return await this.#startAndWait(l.target, spec, l.artifact, {
        onWaiting: opts.onWaiting,
        // read before the failed instance is stopped: a container's logs go with it
        onFailed: async () => {
          for await (const line of target.logs(spec, { tail: 15 })) tail.push(line);
        },
        onStarted: (upstreams) => {
          if (announced) this.#emit({ kind: 'routed', route: { name: l.name, version: l.version, status: 'starting', upstreams, publicEndpoints: l.manifest.public_endpoints, promoted: false } });
          opts.onStarted?.(readyProbe(l.artifact));
        },
      });
    } catch (e) {
      if (announced && !this.d.store.get(l.name, l.version)) this.#emit({ kind: 'gone', name: l.name, version: l.version });
      throw new RtError(`${l.name} ${l.version} never became ready: ${(e as Error).message.split('\n')[0]}`, { details: ['last log lines:', ...tail] });
    }
  }

  /**
   * The one start-and-wait of every path (deploy, restore, wake): starts the instance (unless adopted), then waits for
   * every upstream to be ready, failing early when the target reports it in error. What it started is stopped on failure.
   */
  async #startAndWait(targetName: string, spec: InstanceSpec, artifact: Artifact, opts: {
    adopted?: Upstream[]; pollMs?: number; onStarted?: (upstreams: Upstream[]) => void; onWaiting?: (what: string) => void;
    onFailed?: () => Promise<void>;
    /** leave a failed instance running (restore: the target may still bring it up, and a target reports that) */
    keepOnFailure?: boolean;
  }): Promise<Upstream[]> {
    const target = this.d.targets.get(targetName);
    const upstreams = opts.adopted ?? await target.start(spec, artifact);
    opts.onStarted?.(upstreams);
    try {
      await waitReady(upstreams, {
        timeoutMs: this.d.readyTimeoutMs,
        probe: readyProbe(artifact),
        pollMs: opts.pollMs,
        onWaiting: opts.onWaiting,
        failed: async () => {
          const s = await target.status(spec);
          return s.status === 'error' ? `the job does not start: ${s.detail ?? ''}` : undefined;
        },
      });
    } catch (e) {
      await opts.onFailed?.().catch(() => {});
      if (!opts.keepOnFailure) await target.stop(spec).catch(() => {});
      throw e;
    }
    return upstreams;
  }

  /** A started version is ready: it is recorded and routed by its exact version; what served it before stops. */
  async activate(v: Omit<NewJobVersion, 'status'>): Promise<void> {
    const replaced = this.d.store.get(v.name, v.version);
    this.d.store.put({ ...v, status: 'running' });
    this.activity.touch(keyOf(v));
    this.#routed(v.name, v.version);
    if (replaced && replaced.deploymentId !== v.deploymentId) {
      await this.#settled(v); // a wake of the replaced instance finishes first, so it is stopped too
      await this.#retire(replaced, { keepBuild: false });
    }
  }

  /** `latest` and x-patterns may now resolve to it; then retention applies to its job. */
  async promote(name: string, version: string): Promise<void> {
    this.d.store.promote(name, version);
    this.#routed(name, version);
    await this.applyRetention(name);
  }

  // ---- withdraw: a deleted version's route goes at once, then its instance and what the target keeps

  async withdraw(v: JobVersion): Promise<void> {
    this.#emit({ kind: 'gone', name: v.name, version: v.version });
    this.d.store.delete(v.name, v.version);
    this.activity.forget(keyOf(v));
    await this.#settled(v); // a wake in flight finishes first, so what it started is stopped too
    await this.#retire(v, { keepBuild: false });
    await this.d.targets.get(v.target).purge(v);
  }

  /**
   * Stops an instance whose route is already gone or changed, and (unless kept, for a version that may start again)
   * removes its build folder. Calls the gateway sent just before the switch still reach it; the job drains them.
   */
  async #retire(v: JobVersion, opts: { keepBuild: boolean; grace?: boolean }): Promise<void> {
    if (opts.grace !== false) await new Promise((r) => setTimeout(r, ROUTE_SWITCH_GRACE_MS));
    await this.d.targets.get(v.target).stop(v);
    const buildDir = v.artifact.buildDir;
    if (!opts.keepBuild && typeof buildDir === 'string') rmSync(buildDir, { recursive: true, force: true });
  }

  // ---- restore at start

  /** Brings back every version that was running, on its target, without rebuilding; idle and retired ones stay so. */
  async restoreAll(): Promise<void> {
    const running = new Map<string, InstanceRef[]>();
    for (const t of this.d.targets.all()) running.set(t.name, await t.list());
    await Promise.all(this.d.store.versions().map(async (v) => {
      if (v.status === 'idle' || v.status === 'stopped') return;
      const adopted = running.get(v.target)?.some((r) => r.deploymentId === v.deploymentId);
      await this.#bringUp(v, { adopted: adopted ? v.upstreams : undefined, keepOnFailure: true }).catch(() => {});
    }));
    this.#emit({ kind: 'reset', routes: this.d.store.versions().map(routeOf) });
  }

  /** Starts a recorded version (unless it already runs there) and waits until it is ready; records error on failure. */
  async #bringUp(v: JobVersion, opts: { adopted?: Upstream[]; pollMs?: number; keepOnFailure?: boolean } = {}): Promise<void> {
    try {
      await this.#startAndWait(v.target, this.d.specOf(v), storedArtifact(v), {
        ...opts,
        onStarted: (upstreams) => this.#setStatus(v, 'starting', { upstreams, error: null }),
      });
      this.#setStatus(v, 'running');
      this.activity.touch(keyOf(v));
    } catch (e) {
      log.error({ job: v.name, version: v.version, err: (e as Error).message }, 'could not start a recorded version');
      this.#setStatus(v, 'error', { error: (e as Error).message });
      throw e;
    }
  }

  /** Sets the status of the instance v names, unless a deploy replaced or a delete removed it meanwhile. */
  #setStatus(v: JobVersion, status: JobVersionStatus, fields: { upstreams?: string[]; error?: string | null } = {}): void {
    if (this.d.store.get(v.name, v.version)?.deploymentId === v.deploymentId) this.d.store.setStatus(v.name, v.version, status, fields);
  }

  // ---- what the targets report

  /** A target reports a change of its own (crash, restart, readiness). */
  onInstanceState(ref: InstanceRef, state: InstanceState): void {
    const v = this.d.store.get(ref.name, ref.version);
    if (!v || v.deploymentId !== ref.deploymentId || v.status === 'idle' || v.status === 'stopped') return;
    if (state.status === v.status) return;
    this.d.store.setStatus(v.name, v.version, state.status, { error: state.detail ?? null });
    if (state.status === 'error') this.#maybeRollBack(v, state.detail);
    this.#routed(v.name, v.version);
  }

  /**
   * `latest` failed soon after its promotion: it returns to the previous version for good (the failed one loses its
   * promotion, so a recovery does not flip it back), and the audit says so.
   */
  #maybeRollBack(v: JobVersion, detail?: string): void {
    const now = Date.now();
    const previous = rollbackTarget(v, this.d.store.versions(v.name), this.d.policy.rollbackWindowMs, now);
    if (!previous) return;
    const why = `latest rolled back to ${previous} at ${new Date(now).toISOString()}: ${v.version} turned error ${Math.round((now - v.promotedAt!) / 1000)} s after its promotion (${(detail ?? '').split('\n')[0]})`;
    this.d.store.rollBack(v.name, v.version, why);
    this.d.metrics.rolledBack(v.name);
    this.d.audit.record(PLATFORM, 'job.rollback', { job: v.name, detail: `${v.version} → ${previous}: ${why}` });
    log.warn({ job: v.name, from: v.version, to: previous }, 'latest rolled back');
  }

  // ---- scale

  /** `jobs scale`: a running version gets `replicas` replicas now; any other keeps the number for its next start. */
  async scale(v: JobVersion, replicas: number): Promise<void> {
    if (isStaticSite(v)) throw new BadRequestError(`${v.name} ${v.version} is a static site the platform serves itself: it has no replicas to scale`);
    this.d.store.configure(v.name, v.version, { replicas });
    if (v.status !== 'running') return;
    const target = this.d.targets.get(v.target);
    if (replicas < v.upstreams.length) {
      // off the route first, so no new call reaches a replica about to stop
      this.d.store.setStatus(v.name, v.version, 'running', { upstreams: v.upstreams.slice(0, replicas) });
      this.#routed(v.name, v.version);
      await new Promise((r) => setTimeout(r, ROUTE_SWITCH_GRACE_MS));
    }
    const upstreams = await target.scale(v, replicas);
    const added = upstreams.filter((u) => !v.upstreams.includes(u));
    await waitReady(added, { timeoutMs: this.d.readyTimeoutMs, probe: readyProbe(storedArtifact(v)) }).catch(async (e: Error) => {
      await target.scale(v, v.upstreams.length).catch(() => {});
      this.d.store.configure(v.name, v.version, { replicas: v.upstreams.length });
      throw new RtError(`${v.name} ${v.version}: the new replicas never became ready: ${e.message}`);
    });
    this.d.store.setStatus(v.name, v.version, 'running', { upstreams });
    this.#routed(v.name, v.version);
  }

  // ---- idle stop and wake

  /** the idle-stop delay of a version in ms; 0 = never */
  idleAfterOf(v: JobVersion): number {
    return v.idleAfterMs ?? this.d.policy.idleAfterMs;
  }

  /** Checks for idle versions every `everyMs` from now on; returns the stop function. */
  watchIdle(everyMs = 1000): () => void {
    this.#idleTimer = setInterval(() => void this.stopIdle().catch((err) => log.error({ err }, 'idle check failed')), everyMs);
    this.#idleTimer.unref();
    return () => clearInterval(this.#idleTimer);
  }

  /** Stops every running version whose last call is older than its idle delay (not while its job is being deployed). */
  async stopIdle(now = Date.now()): Promise<string[]> {
    const stopped: string[] = [];
    for (const v of this.d.store.idleCandidates(this.d.policy.idleAfterMs > 0)) {
      const after = this.idleAfterOf(v);
      // a static site runs no process: nothing to stop
      if (!after || isStaticSite(v) || this.locks.isHeld(v.name) || this.activity.busy(keyOf(v))) continue;
      const last = Math.max(this.activity.lastAt(keyOf(v)) ?? 0, v.lastCallAt ?? 0, v.updatedAt);
      if (now - last < after) continue;
      await this.#serial(v, () => this.#idle(v.name, v.version, after));
      stopped.push(`${v.name} ${v.version}`);
    }
    return stopped;
  }

  async #idle(name: string, version: string, after: number): Promise<void> {
    const v = this.d.store.get(name, version);
    if (!v || v.status !== 'running') return;
    this.d.store.setStatus(name, version, 'idle', { upstreams: [] });
    this.#routed(name, version);
    this.d.metrics.idleStopped(name);
    log.info({ job: name, version, idleAfterMs: after }, 'idle: stopped until the next call');
    // no grace: it had no call in flight (stopIdle checked, and the gateway counts a call from its routing on), and a
    // call that comes now waits for this stop before its wake
    const target = this.d.targets.get(v.target);
    await (target.suspend ? target.suspend(v) : this.#retire(v, { keepBuild: true, grace: false }));
  }

  /**
   * Starts an idle version again and resolves once it serves (calls that arrive meanwhile share the same wake);
   * rejects when it did not come up (the version is then in error, as a crash would leave it).
   */
  wake(name: string, version: string): Promise<void> {
    return this.#serial({ name, version }, async () => {
      const current = this.d.store.get(name, version);
      if (current?.status !== 'idle') return;
      const started = performance.now();
      try {
        await this.#bringUp(current, { pollMs: WAKE_POLL_MS });
        this.d.metrics.woke(name, (performance.now() - started) / 1000);
      } catch (e) {
        this.d.metrics.wakeFailed(name);
        throw e;
      } finally {
        this.#routed(name, version);
      }
    });
  }

  /** Resolves once no wake or idle stop of the version is in flight. */
  async #settled(v: { name: string; version: string }): Promise<void> {
    await this.#inFlight.get(keyOf(v))?.catch(() => {});
  }

  /** Runs fn after whatever wake or idle stop of the same version is in flight. */
  #serial(v: { name: string; version: string }, fn: () => Promise<void>): Promise<void> {
    const key = keyOf(v);
    const run = (this.#inFlight.get(key) ?? Promise.resolve()).catch(() => {}).then(fn);
    const tracked = run.finally(() => {
      if (this.#inFlight.get(key) === tracked) this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, tracked);
    return tracked;
  }

  // ---- retention

  /** RACETRACK_KEEP_VERSIONS: beyond the N newest serving versions of a job, all but latest and pinned ones stop. */
  async applyRetention(name: string): Promise<void> {
    const keep = this.d.policy.keepVersions;
    for (const v of versionsToRetire(this.d.store.versions(name), keep)) {
      this.d.store.setStatus(v.name, v.version, 'stopped', { upstreams: [], error: `stopped by retention: RACETRACK_KEEP_VERSIONS=${keep} newer versions serve` });
      this.#routed(v.name, v.version);
      this.d.metrics.retired(v.name);
      this.d.audit.record(PLATFORM, 'job.retire', { job: v.name, detail: `${v.version}: ${keep} newer version(s) kept running (RACETRACK_KEEP_VERSIONS)` });
      await this.#retire(v, { keepBuild: false });
    }
  }

  close(): void {
    clearInterval(this.#idleTimer);
  }
}

const isStaticSite = (v: JobVersion) => (v.artifact as unknown as Artifact).kind === 'static';

const keyOf = (v: { name: string; version: string }) => versionKey(v.name, v.version);

/** The artifact a version was built into; a version built before artifacts had a kind must be built again. */
function storedArtifact(v: JobVersion): Artifact {
  const artifact = v.artifact as unknown as Artifact;
  if (typeof artifact.kind !== 'string') {
    throw new RtError(`${v.name} ${v.version} was built by an older Racetrack: redeploy it (ssh … jobs redeploy ${v.name} ${v.version})`);
  }
  return artifact;
}
