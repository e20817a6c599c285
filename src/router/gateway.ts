// The pub gateway: every `/pub/…` request and upgrade the server's HTTP listener receives.
// Routes in memory, authorises through the in-memory authorizer, proxies over undici keep-alive pools.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { logger } from '../core/log.js';
import { answerPlatformPath } from './answer-platform-path.js';
import { AsyncCalls } from './async-calls.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { ProxyCall } from './proxy-call.js';
import { UpgradeCall } from './upgrade-call.js';
import { routeCall, type RefusedCall, type RouteContext, type RoutedCall } from './route-call.js';
import { RouteStates } from './route-state.js';
import type { RouteTable } from './route-table.js';
import { scanRequestHeaders } from './scan-request-headers.js';
import { sendJson } from './send-json.js';
import { sendRawJson } from './send-raw-json.js';
import { serveStaticSite } from './serve-static-site.js';
import type { AsyncTaskStore, CallAuthorizer } from './types.js';
import { UpstreamPools } from './upstream-pools.js';

const log = logger('rt:router');

export interface GatewayOptions {
  routes: RouteTable;
  authorizer: CallAuthorizer;
  /** False lets anyone call jobs (RACETRACK_AUTH_REQUIRED=false). */
  authRequired: boolean;
  asyncTasks: AsyncTaskStore;
  /**
   * Called on every call that reaches a job, for "last call" bookkeeping; must be cheap. `key` is versionKey(name,
   * version), the same string for every call to the version: keep maps by it rather than build a key per call. What it
   * returns is called when the call is over (its answer sent or its tunnel closed), so a version is not idled under a
   * call in flight.
   */
  onCall?: (name: string, version: string, key: string) => void | (() => void);
  /**
   * Starts an idle version and resolves once it serves: a call to it is held meanwhile (its body unread), then routed.
   * Without it an idle version answers 503.
   */
  wake?: (name: string, version: string) => Promise<void>;
  /** How long a call is held for a wake before it is answered 503; default 60 s. */
  wakeTimeoutMs?: number;
  /** How long `/pub/async/task/ID/poll` waits before answering 202; default 30 s. */
  asyncPollTimeoutMs?: number;
  /** Bound on an async call's request body and on the job's buffered answer; default 10 MiB. */
  asyncMaxBodyBytes?: number;
  /** Async tasks one caller (one client address when auth is off) may keep stored; default 100. */
  asyncMaxTasksPerCaller?: number;
  /** Bytes of request and answer bodies one caller's async tasks may keep stored; default 100 MiB. */
  asyncMaxBytesPerCaller?: number;
  /** How long the task store keeps a task (RACETRACK_ASYNC_TASK_TTL_MS): its quota share is freed then; default 2 h. */
  asyncTaskTtlMs?: number;
  /**
   * From a request to the job's response head, for every call (plain, async, upgrade handshake);
   * default 15 min: a perform call may compute for minutes before it answers anything.
   */
  upstreamHeadTimeoutMs?: number;
  /**
   * Silence allowed between two pieces of a job's answer once it started (not counted while the
   * client is slow to read); default 60 s, nginx's proxy_read_timeout: a job that went quiet that
   * long mid-answer is stuck, and its connection is freed.
   */
  upstreamBodyTimeoutMs?: number;
}

export interface Gateway {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  metrics: GatewayMetrics;
  /** Fails the async tasks a restart interrupted (see AsyncCalls.failInterrupted); call once at start. */
  failInterruptedTasks(): Promise<number>;
  /** Closes the upstream connection pools. */
  close(): Promise<void>;
}

const JOB = '/pub/job/';
const ASYNC_NEW = '/pub/async/new/job/';
const ASYNC_TASK = '/pub/async/task/';

export function createGateway(opts: GatewayOptions): Gateway {
  const metrics = new GatewayMetrics();
  const pools = new UpstreamPools({ headMs: opts.upstreamHeadTimeoutMs ?? 15 * 60_000, bodyMs: opts.upstreamBodyTimeoutMs ?? 60_000 });
  const ctx: RouteContext = {
    routes: opts.routes,
    authorizer: opts.authorizer,
    authRequired: opts.authRequired,
    states: new RouteStates(metrics, pools),
    metrics,
  };
  const asyncCalls = new AsyncCalls({
    store: opts.asyncTasks,
    authorizer: opts.authorizer,
    authRequired: opts.authRequired,
    pollTimeoutMs: opts.asyncPollTimeoutMs ?? 30_000,
    maxBodyBytes: opts.asyncMaxBodyBytes ?? 10 * 1024 * 1024,
    maxTasksPerCaller: opts.asyncMaxTasksPerCaller ?? 100,
    maxBytesPerCaller: opts.asyncMaxBytesPerCaller ?? 100 * 1024 * 1024,
    taskTtlMs: opts.asyncTaskTtlMs ?? 2 * 3600_000,
  });
  const onCall = opts.onCall;
  // Close the connections to replicas no version routes to any more.
  const unsubscribe = opts.routes.onChange(() => pools.prune(new Set(opts.routes.list().flatMap((v) => v.upstreams))));

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = req.url ?? '';
    try {
      if (url.startsWith(JOB)) {
        const scanned = scanRequestHeaders(req.rawHeaders);
        const call = routeCall(ctx, req, url, JOB.length, scanned, 'call');
        if (!call.ok && call.idle && opts.wake) return void wakeThenRetry(req, res, call, started);
        if (!call.ok) return refuse(res, call, started);
        // a proxied job's probes and metrics: nothing reaches the job, so it is no call to it
        if (call.platform) return answerPlatformPath(res, call, call.platform, req.method!, metrics, started);
        if (call.staticRoot) {
          onCall?.(call.state.route.name, call.state.route.version, call.state.key);
          return void serveStaticSite(req, res, call, started).catch((err) => failed(res, err));
        }
        if (scanned.framing.kind === 'unsupported') return refuseCoding(res, call, scanned.framing.coding, started);
        new ProxyCall(req, res, call, scanned.framing, started).start(onCall?.(call.state.route.name, call.state.route.version, call.state.key));
      } else if (url.startsWith(ASYNC_NEW)) {
        if (req.method !== 'POST') return sendJson(res, 405, errorBody('async calls are made with POST'), ['allow', 'POST']);
        const scanned = scanRequestHeaders(req.rawHeaders);
        const call = routeCall(ctx, req, url, ASYNC_NEW.length, scanned, 'async');
        if (!call.ok && call.idle && opts.wake) return void wakeThenRetry(req, res, call, started);
        if (!call.ok) return refuse(res, call, started);
        if (scanned.framing.kind === 'unsupported') return refuseCoding(res, call, scanned.framing.coding, started);
        whenOver(res, onCall?.(call.state.route.name, call.state.route.version, call.state.key));
        asyncCalls.create(req, res, call, scanned.framing).catch((err) => failed(res, err));
      } else if (url.startsWith(ASYNC_TASK)) {
        taskRequest(req, res, url);
      } else {
        sendJson(res, 404, errorBody(`no such pub route: expected ${JOB}NAME/VERSION/PATH or /pub/async/…`));
      }
    } catch (err) {
      failed(res, err);
    }
  }

  /**
   * Holds a call to an idle version until it serves (bounded), then `retry` handles it again from the start; `refuse`
   * answers it when the version could not be woken. Nothing of the call is read meanwhile.
   */
  async function wakeThen(call: RefusedCall, gone: () => boolean, retry: () => void, refuse: (call: RefusedCall) => void): Promise<void> {
    const { name, version } = call.idle!;
    let timer: NodeJS.Timeout | undefined;
    const woke = await Promise.race([
      opts.wake!(name, version).then(() => true, (err: Error) => {
        log.warn({ job: name, version, err: err.message }, 'wake failed');
        return false;
      }),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), opts.wakeTimeoutMs ?? 60_000))),
    ]);
    clearTimeout(timer);
    if (gone()) return;
    if (woke && opts.routes.resolve(name, version)?.status === 'running') return retry();
    refuse({ ...call, error: `job "${name}" version "${version}" was idle and could not be started` });
  }

  function wakeThenRetry(req: IncomingMessage, res: ServerResponse, call: RefusedCall, started: number): Promise<void> {
    return wakeThen(call, () => res.destroyed, () => handleRequest(req, res), (c) => refuse(res, c, started));
  }

  function taskRequest(req: IncomingMessage, res: ServerResponse, url: string): void {
    const q = url.indexOf('?');
    const [id = '', action, extra] = url.slice(ASYNC_TASK.length, q < 0 ? undefined : q).split('/');
    if (extra !== undefined || (action !== 'poll' && action !== 'status') || id.length === 0 || id.length > 128) {
      return sendJson(res, 404, errorBody('expected /pub/async/task/ID/poll or /pub/async/task/ID/status'));
    }
    if (req.method !== 'GET') return sendJson(res, 405, errorBody('use GET'), ['allow', 'GET']);
    const { token } = scanRequestHeaders(req.rawHeaders);
    (action === 'poll' ? asyncCalls.poll(res, id, token) : asyncCalls.status(res, id, token)).catch((err) => failed(res, err));
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const started = performance.now();
    const url = req.url ?? '';
    try {
      if (!url.startsWith(JOB)) return sendRawJson(socket, 404, errorBody(`upgrades are proxied under ${JOB}NAME/VERSION/PATH only`));
      const scanned = scanRequestHeaders(req.rawHeaders);
      const call = routeCall(ctx, req, url, JOB.length, scanned, 'upgrade');
      if (!call.ok && call.idle && opts.wake) {
        return void wakeThen(call, () => socket.destroyed, () => handleUpgrade(req, socket, head), (c) => {
          c.metrics.observe(c.status, (performance.now() - started) / 1000);
          sendRawJson(socket, c.status, refusalBody(c), refusalHeaders(c));
        });
      }
      if (!call.ok) {
        call.metrics.observe(call.status, (performance.now() - started) / 1000);
        return sendRawJson(socket, call.status, refusalBody(call), refusalHeaders(call));
      }
      if (scanned.framing.kind !== 'none') {
        // Node hands a body sent with an upgrade over raw, unparsed: the gateway could not frame it.
        call.state.metrics.observe(400, (performance.now() - started) / 1000);
        return sendRawJson(socket, 400, callErrorBody(call, 'an upgrade request cannot carry a body'), ['x-request-tracing-id', call.tracingId]);
      }
      whenOver(socket, onCall?.(call.state.route.name, call.state.route.version, call.state.key));
      new UpgradeCall(req, socket, head, call, scanned.upgrade ?? 'websocket', started).start();
    } catch (err) {
      log.error({ err }, 'pub upgrade failed');
      sendRawJson(socket, 500, errorBody('internal error'));
    }
  }

  return {
    handleRequest,
    handleUpgrade,
    metrics,
    failInterruptedTasks: () => asyncCalls.failInterrupted(),
    async close() {
      unsubscribe();
      await pools.close();
    },
  };
}

function whenOver(stream: ServerResponse | Duplex, end: void | (() => void)): void {
  if (end) stream.once('close', end);
}

function refuse(res: ServerResponse, call: RefusedCall, started: number): void {
  call.metrics.observe(call.status, (performance.now() - started) / 1000);
  sendJson(res, call.status, refusalBody(call), refusalHeaders(call));
}

/** A transfer coding besides chunked would reach the job undeclared: https://www.rfc-editor.org/rfc/rfc9112#section-6.1 */
function refuseCoding(res: ServerResponse, call: RoutedCall, coding: string, started: number): void {
  call.state.metrics.observe(501, (performance.now() - started) / 1000);
  sendJson(res, 501, callErrorBody(call, `transfer-encoding "${coding}" is not supported: send the body with Content-Length or chunked only`), ['x-request-tracing-id', call.tracingId, 'connection', 'close']);
}

function callErrorBody(call: RoutedCall, error: string): Record<string, string> {
  return { error, job_name: call.state.route.name, job_version: call.state.route.version, request_id: call.tracingId };
}

function refusalBody(call: RefusedCall): Record<string, string | null> {
  return { error: call.error, job_name: call.jobName ?? null, job_version: call.jobVersion ?? null, request_id: call.tracingId };
}

function refusalHeaders(call: RefusedCall): string[] {
  const headers = ['x-request-tracing-id', call.tracingId];
  if (call.retryAfter !== undefined) headers.push('retry-after', String(call.retryAfter));
  if (call.allow !== undefined) headers.push('allow', call.allow);
  return headers;
}

function errorBody(error: string): Record<string, string | null> {
  return { error, job_name: null, job_version: null, request_id: null };
}

/** A bug, not a refusal: log it and answer 500 if the answer has not started. */
function failed(res: ServerResponse, err: unknown): void {
  log.error({ err }, 'pub request failed');
  if (!res.headersSent) sendJson(res, 500, errorBody('internal error'));
  else res.destroy();
}
