// Decides where a pub call goes and whether it may: path → version → readiness → token,
// then the headers the job receives. Shared by plain calls, WebSocket upgrades and async calls.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { JobNotFoundError, RtError } from '../core/errors.js';
import { parseJobName } from '../manifest/index.js';
import type { GatewayMetrics, VersionMetrics } from './gateway-metrics.js';
import { mapProxiedPath, platformPathOf, type PlatformPath } from './map-proxied-path.js';
import { parseJobPath } from './parse-job-path.js';
import { parseVersionSpec } from './parse-version-spec.js';
import { resolveVersion } from './resolve-version.js';
import { newTracingId } from './tracing-id.js';
import type { CallKind, RouteState, RouteStates } from './route-state.js';
import type { RouteTable } from './route-table.js';
import type { ScannedRequest } from './scan-request-headers.js';
import type { CallAuthorizer, Caller } from './types.js';

export interface RouteContext {
  routes: RouteTable;
  authorizer: CallAuthorizer;
  authRequired: boolean;
  states: RouteStates;
  metrics: GatewayMetrics;
}

export interface RoutedCall {
  ok: true;
  state: RouteState;
  /** The path the job receives: `/pub/job/NAME/RESOLVED_VERSION/PATH?query`, or for a proxied job its mapping. */
  path: string;
  /** What the client asked for below the base URL: `/PATH?query`, `?query` or ''. */
  rest: string;
  /** Set when the platform answers the call itself (a proxied job's probes and metrics): nothing reaches the job. */
  platform?: PlatformPath;
  /** Set when the gateway serves the call from a static site's folder (RouteVersion.staticRoot). */
  staticRoot?: string;
  /** The request's end-to-end headers plus X-Forwarded-*, X-Request-Tracing-Id and, for a known caller, X-Caller-Name. */
  headers: string[];
  caller?: Caller;
  tracingId: string;
}

export interface RefusedCall {
  ok: false;
  status: number;
  error: string;
  jobName?: string;
  jobVersion?: string;
  /** Seconds, for 503. */
  retryAfter?: number;
  /** The methods a 405 names. */
  allow?: string;
  /** Set when the version is idle and the caller may call it: the gateway may wake it and route the call again. */
  idle?: { name: string; version: string };
  tracingId: string;
  metrics: VersionMetrics;
}

/** Seconds a client should wait before calling a version that is starting again. */
const RETRY_AFTER = 5;

/** `start` is the index in `req.url` just after `/pub/job/` (or `/pub/async/new/job/`). */
export function routeCall(ctx: RouteContext, req: IncomingMessage, url: string, start: number, scanned: ScannedRequest, kind: CallKind): RoutedCall | RefusedCall {
  const tracingId = scanned.tracingId || newTracingId();
  const path = parseJobPath(url, start);
  if (!path.ok) return { ok: false, status: path.status, error: path.error, tracingId, metrics: ctx.metrics.unrouted };
  const { name, rest, relPath } = path;
  // X-Racetrack-Version pins what `latest` means for this call.
  const spec = path.spec === 'latest' && scanned.versionPin ? scanned.versionPin : path.spec;
  const route = ctx.routes.resolve(name, spec);
  if (!route) return refuseMiss(ctx, name, spec, tracingId);
  const state = ctx.states.get(route);
  const idle = route.status === 'idle';
  if (!idle && (route.status !== 'running' || (route.upstreams.length === 0 && !route.staticRoot))) {
    const error = `job "${name}" version "${route.version}" is not ready (${route.status})`;
    return { ok: false, status: 503, error, jobName: name, jobVersion: route.version, retryAfter: RETRY_AFTER, tracingId, metrics: state.metrics };
  }

  let caller: Caller | undefined;
  if (ctx.authRequired && !state.isPublic(relPath, kind, req.method!)) {
    const decision = ctx.authorizer.authorizeCall(scanned.token, name);
    if (!decision.ok) {
      ctx.metrics.authFailure(name, decision.status);
      return { ok: false, status: decision.status, error: decision.error, jobName: name, jobVersion: route.version, tracingId, metrics: state.metrics };
    }
    caller = decision.caller;
  } else if (scanned.token !== undefined) {
    // Open call with a token anyway: name the caller when the token is good, ignore it otherwise.
    const decision = ctx.authorizer.authorizeCall(scanned.token, name);
    if (decision.ok) caller = decision.caller;
  }
  // only a call that may reach the version wakes it (checked above), so strangers cannot start stopped jobs
  if (idle) {
    const error = `job "${name}" version "${route.version}" is idle and starting`;
    return { ok: false, status: 503, error, jobName: name, jobVersion: route.version, retryAfter: 1, tracingId, metrics: state.metrics, idle: { name, version: route.version } };
  }

  if (route.staticRoot) {
    // its files and the platform's probes: nothing to upgrade, post to or run asynchronously
    if (kind !== 'call' || (req.method !== 'GET' && req.method !== 'HEAD')) return refuseRouted(state, tracingId, 405, `job "${name}" is a static site: it answers GET and HEAD`, 'GET, HEAD');
    const platform = platformPathOf(relPath);
    return { ok: true, state, path: rest, rest, headers: [], caller, tracingId, ...(platform ? { platform } : { staticRoot: route.staticRoot }) };
  }

  let upstreamPath = state.prefix + rest;
  if (route.proxyMode) {
    const mapped = mapProxiedPath(route.proxyMode, rest, relPath);
    if (mapped.kind === 'none') return refuseRouted(state, tracingId, 404, `job "${name}" passes only ${state.jobRoot}/… to its server (proxy_mode: forward)`);
    if (mapped.kind === 'platform') {
      if (kind !== 'call' || (req.method !== 'GET' && req.method !== 'HEAD')) return refuseRouted(state, tracingId, 405, `${mapped.path} of job "${name}" is answered by the platform, to GET and HEAD`, 'GET, HEAD');
      return { ok: true, state, path: mapped.path, rest, headers: [], caller, tracingId, platform: mapped.path };
    }
    upstreamPath = mapped.path;
  }

  const remote = req.socket.remoteAddress ?? '';
  const headers = scanned.forward;
  headers.push(
    'x-forwarded-for', scanned.forwardedFor ? `${scanned.forwardedFor}, ${remote}` : remote,
    'x-forwarded-host', scanned.host ?? '',
    'x-forwarded-proto', (req.socket as TLSSocket).encrypted ? 'https' : 'http',
    'x-forwarded-prefix', state.jobRoot,
    'x-request-tracing-id', tracingId,
  );
  // Only the gateway names the caller: a client's own X-Caller-Name was dropped when scanned.
  if (caller) headers.push('x-caller-name', caller.name);
  return { ok: true, state, path: upstreamPath, rest, headers, caller, tracingId };
}

/** A refusal of a call that found its version (a path or method that version does not take). */
function refuseRouted(state: RouteState, tracingId: string, status: number, error: string, allow?: string): RefusedCall {
  return { ok: false, status, error, jobName: state.route.name, jobVersion: state.route.version, tracingId, metrics: state.metrics, ...(allow ? { allow } : {}) };
}

/** No running match: tell a bad name or spec (400) from an unknown job or version (404) from one not ready yet (503). */
function refuseMiss(ctx: RouteContext, name: string, spec: string, tracingId: string): RefusedCall {
  const refuse = (status: number, error: string, jobVersion?: string, metrics = ctx.metrics.unrouted): RefusedCall =>
    ({ ok: false, status, error, jobName: name, jobVersion: jobVersion ?? spec, tracingId, metrics, ...(status === 503 ? { retryAfter: RETRY_AFTER } : {}) });
  if (!ctx.routes.hasJob(name)) {
    try {
      parseJobName(name);
    } catch (e) {
      return refuse(400, (e as RtError).message);
    }
    return refuse(404, new JobNotFoundError(name).message);
  }
  if (!parseVersionSpec(spec)) return refuse(400, `invalid version "${spec}": expected x.y.z, latest, or a pattern such as 1.x or 1.2.x`);
  const pending = resolveVersion(spec, ctx.routes.versions(name), { anyState: true });
  if (pending) {
    return refuse(503, `job "${name}" has no ready version matching "${spec}" yet (${pending.version} is ${pending.promoted ? pending.status : 'not promoted'})`, spec, ctx.states.get(pending).metrics);
  }
  return refuse(404, new JobNotFoundError(name, spec).message);
}
