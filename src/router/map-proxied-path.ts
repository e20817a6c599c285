// How a call below the base URL of a job the platform fronts (docker-proxy) reaches the job's server, by its proxy
// mode, and which paths the platform answers for it instead (the wrapper contract's probes and metrics).
import type { RouteVersion } from './types.js';

export type ProxyMode = NonNullable<RouteVersion['proxyMode']>;
export type PlatformPath = '/live' | '/ready' | '/health' | '/metrics';

export type ProxiedPath =
  | { kind: 'platform'; path: PlatformPath }
  /** what the job's server receives: `/X?query` */
  | { kind: 'job'; path: string }
  /** nothing there: forward mode passes /api/v1/… only */
  | { kind: 'none' };

const PLATFORM_PATHS: ReadonlySet<string> = new Set<PlatformPath>(['/live', '/ready', '/health', '/metrics']);
/** forward mode: what the job's `/` is under */
export const FORWARDED_PREFIX = '/api/v1';

/** The wrapper contract's path the platform answers for a job it fronts, if relPath is one. */
export function platformPathOf(relPath: string): PlatformPath | undefined {
  return PLATFORM_PATHS.has(relPath) ? relPath as PlatformPath : undefined;
}

/** `rest` is `/PATH?query`, `?query` or '' below the base URL; `relPath` its path, '/' at least. */
export function mapProxiedPath(mode: ProxyMode, rest: string, relPath: string): ProxiedPath {
  const platform = platformPathOf(relPath);
  if (platform) return { kind: 'platform', path: platform };
  if (mode === 'rewrite') return { kind: 'job', path: rest.startsWith('/') ? rest : `/${rest}` };
  if (relPath.startsWith(`${FORWARDED_PREFIX}/`)) return { kind: 'job', path: rest.slice(FORWARDED_PREFIX.length) };
  return { kind: 'none' };
}

/** Where the job's own `/` is, below the base URL: what it is told in X-Forwarded-Prefix, and where its root-relative redirects go. */
export function proxiedRoot(mode: ProxyMode): string {
  return mode === 'forward' ? FORWARDED_PREFIX : '';
}
