// The in-memory route table: job name → versions, with cached version resolution.
// Every change replaces a job's whole entry, so a resolve sees a job either before or after a change.
import type { RouteVersion } from './types.js';
import { resolveVersion } from './resolve-version.js';

interface JobRoutes {
  readonly byVersion: ReadonlyMap<string, RouteVersion>;
  readonly versions: readonly RouteVersion[];
  /** spec → resolution (null = miss); dropped with the entry on any change to the job. */
  readonly resolved: Map<string, RouteVersion | null>;
}

/** Specs are client-chosen (`7.x`, `8.x`, …); a bound keeps a scan of patterns from growing the cache. */
const MAX_CACHED_SPECS = 64;

export class RouteTable {
  #jobs = new Map<string, JobRoutes>();
  #listeners = new Set<() => void>();

  /** Adds or replaces one version (status, upstreams, promotion…). */
  upsert(v: RouteVersion): void {
    const versions = this.versions(v.name).filter((x) => x.version !== v.version);
    versions.push(freeze(v));
    this.#set(v.name, versions);
  }

  remove(name: string, version: string): void {
    const versions = this.versions(name);
    if (!versions.some((v) => v.version === version)) return;
    this.#set(name, versions.filter((v) => v.version !== version));
  }

  /** Replaces the whole table, e.g. when it is rebuilt from the database at start. */
  replaceAll(list: readonly RouteVersion[]): void {
    const byName = new Map<string, RouteVersion[]>();
    for (const v of list) {
      const versions = byName.get(v.name) ?? [];
      byName.set(v.name, [...versions.filter((x) => x.version !== v.version), freeze(v)]);
    }
    this.#jobs = new Map([...byName].map(([name, versions]) => [name, entry(versions)]));
    this.#changed();
  }

  list(): RouteVersion[] {
    return [...this.#jobs.values()].flatMap((j) => j.versions);
  }

  hasJob(name: string): boolean {
    return this.#jobs.has(name);
  }

  versions(name: string): readonly RouteVersion[] {
    return this.#jobs.get(name)?.versions ?? [];
  }

  get(name: string, version: string): RouteVersion | undefined {
    return this.#jobs.get(name)?.byVersion.get(version);
  }

  /** See resolveVersion; cached per job until the job changes. */
  resolve(name: string, spec: string): RouteVersion | undefined {
    const job = this.#jobs.get(name);
    if (!job) return undefined;
    const exact = job.byVersion.get(spec);
    if (exact) return exact;
    let hit = job.resolved.get(spec);
    if (hit === undefined) {
      hit = resolveVersion(spec, job.versions) ?? null;
      if (job.resolved.size >= MAX_CACHED_SPECS) job.resolved.clear();
      job.resolved.set(spec, hit);
    }
    return hit ?? undefined;
  }

  /** Called after every change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(name: string, versions: RouteVersion[]): void {
    if (versions.length === 0) this.#jobs.delete(name);
    else this.#jobs.set(name, entry(versions));
    this.#changed();
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

function entry(versions: readonly RouteVersion[]): JobRoutes {
  return { byVersion: new Map(versions.map((v) => [v.version, v])), versions, resolved: new Map() };
}

/** Callers keep their objects; the table keeps frozen copies nobody can change behind its back. */
function freeze(v: RouteVersion): RouteVersion {
  return Object.freeze({ ...v, upstreams: Object.freeze([...v.upstreams]) as string[], publicEndpoints: Object.freeze([...v.publicEndpoints]) as string[] });
}
