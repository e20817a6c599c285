// The decisions the version lifecycle takes on its own, as pure functions of a job's recorded versions:
// which version `latest` means, which versions retention retires, and where a failing `latest` rolls back to.
import type { JobVersion } from '../db/index.js';
import { resolveVersion, type RouteVersion } from '../router/index.js';
import type { Artifact } from '../jobtypes/index.js';

/** How the gateway sees a recorded version. */
export function routeOf(v: JobVersion): RouteVersion {
  const artifact = v.artifact as unknown as Artifact;
  return {
    name: v.name,
    version: v.version,
    status: v.status === 'orphaned' ? 'lost' : v.status,
    upstreams: v.upstreams,
    publicEndpoints: v.manifest.public_endpoints,
    promoted: v.promoted,
    ...frontedBy(artifact),
  };
}

/** A job the platform fronts, as its artifact says: docker-proxy (the gateway maps its paths), a static site (it serves the folder). */
function frontedBy(artifact: Artifact): Pick<RouteVersion, 'proxyMode' | 'staticRoot'> {
  if (artifact.kind === 'static') return { staticRoot: artifact.root };
  return artifact.kind === 'image' && artifact.proxy ? { proxyMode: artifact.proxy.mode } : {};
}

/** the version `latest` resolves to among these */
export function latestOf(versions: JobVersion[]): string | undefined {
  return resolveVersion('latest', versions.map(routeOf))?.version;
}

/**
 * RACETRACK_KEEP_VERSIONS: the serving (running or idle) versions beyond the `keep` newest, except latest and pinned
 * ones. `versions` newest first, as the store lists them; keep 0 retires nothing.
 */
export function versionsToRetire(versions: JobVersion[], keep: number): JobVersion[] {
  if (!keep) return [];
  const latest = latestOf(versions);
  return versions.filter((v) => v.status === 'running' || v.status === 'idle').slice(keep).filter((v) => v.version !== latest && !v.pinned);
}

/**
 * Where `latest` returns to when `failed` turned error: the previous version, when `failed` was latest while it
 * served (a crashing replica passes through `starting` first) and its promotion is at most `windowMs` old.
 */
export function rollbackTarget(failed: JobVersion, versions: JobVersion[], windowMs: number, now: number): string | undefined {
  if (!failed.promoted || !failed.promotedAt || now - failed.promotedAt > windowMs) return undefined;
  const asServing = versions.map((x) => (x.version === failed.version ? { ...x, status: 'running' as const } : x));
  if (latestOf(asServing) !== failed.version) return undefined;
  return latestOf(versions.filter((x) => x.version !== failed.version));
}
