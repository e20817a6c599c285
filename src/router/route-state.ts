// What the gateway keeps per routed version object: its upstreams, round-robin cursor, metrics and public paths.
import type { GatewayMetrics, VersionMetrics } from './gateway-metrics.js';
import { versionKey } from '../core/version-key.js';
import { proxiedRoot } from './map-proxied-path.js';
import type { RouteVersion } from './types.js';
import type { Upstream, UpstreamPools } from './upstream-pools.js';

/** Probes every job answers without a token: to a plain GET or HEAD only. */
const PROBE_PATHS = new Set(['/health', '/live', '/ready']);

/** How a call reaches the job: a plain request, an upgrade (a tunnel after 101), or an async task. */
export type CallKind = 'call' | 'upgrade' | 'async';

export class RouteState {
  /** `/pub/job/NAME/VERSION`: the resolved base URL. */
  readonly prefix: string;
  /** versionKey(name, version), made once: every call's bookkeeping (GatewayOptions.onCall) is keyed by this string. */
  readonly key: string;
  /**
   * Where the job's own `/` is publicly: what it is told in X-Forwarded-Prefix, and where root-relative redirects it
   * answers are put. The prefix; for a proxied job in forward mode, the prefix and /api/v1.
   */
  readonly jobRoot: string;
  readonly upstreams: readonly Upstream[];
  readonly metrics: VersionMetrics;
  readonly publicEndpoints: readonly string[];
  /** Round-robin cursor. */
  next = 0;

  constructor(readonly route: RouteVersion, metrics: GatewayMetrics, pools: UpstreamPools) {
    this.prefix = `/pub/job/${route.name}/${route.version}`;
    this.key = versionKey(route.name, route.version);
    this.jobRoot = this.prefix + (route.proxyMode ? proxiedRoot(route.proxyMode) : '');
    this.upstreams = route.upstreams.map((a) => pools.get(a));
    this.metrics = metrics.forVersion(route.name, route.version);
    this.publicEndpoints = route.publicEndpoints.map((p) => (p.startsWith('/') ? p : `/${p}`));
  }

  /**
   * True for a GET or HEAD of /health, /live, /ready, and for the job's public_endpoints, matched on
   * whole segments (`/api/v1/perform` opens `/api/v1/perform/x`, not `/api/v1/performx`). Probes open
   * no upgrade (a tunnel is no probe); async calls are never public, since they store data on the
   * server. A percent-encoded path is never public: what the job decodes it to is the job's business,
   * not a reason to skip the token.
   */
  isPublic(relPath: string, kind: CallKind, method: string): boolean {
    if (kind === 'async') return false;
    if (kind === 'call' && (method === 'GET' || method === 'HEAD') && PROBE_PATHS.has(relPath)) return true;
    if (relPath.includes('%')) return false;
    for (const p of this.publicEndpoints) {
      if (relPath === p || (relPath.startsWith(p) && (p.endsWith('/') || relPath.charCodeAt(p.length) === 0x2f))) return true;
    }
    return false;
  }
}

/** Versions are immutable objects replaced on every change, so a WeakMap keyed by them never goes stale. */
export class RouteStates {
  #states = new WeakMap<RouteVersion, RouteState>();

  constructor(private readonly metrics: GatewayMetrics, private readonly pools: UpstreamPools) {}

  get(route: RouteVersion): RouteState {
    let state = this.#states.get(route);
    if (!state) this.#states.set(route, (state = new RouteState(route, this.metrics, this.pools)));
    return state;
  }
}
