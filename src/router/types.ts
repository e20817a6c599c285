// Contracts between the gateway and the rest of the server: what a routable version is,
// how a call is authorised without touching the database, and where async calls are kept.

/** One deployed job version as the gateway sees it. */
export interface RouteVersion {
  name: string;
  version: string;
  /**
   * Only ready versions are resolved by `latest` and x-patterns; exact names of non-ready ones give 503. An `idle` one
   * counts as ready: the gateway has it woken (GatewayOptions.wake) and holds the call meanwhile.
   */
  status: 'starting' | 'running' | 'error' | 'lost' | 'stopped' | 'idle';
  /** `host:port` addresses the gateway sends traffic to (one per replica). */
  upstreams: string[];
  /** Path prefixes (relative to the job root, e.g. `/api/v1/perform`) callable without a token. */
  publicEndpoints: string[];
  /**
   * False while the deploy that started it is finishing (pre-receive), true once post-receive
   * promoted it. Exact-version calls reach a running version either way; `latest` and x-patterns
   * only consider promoted ones.
   */
  promoted: boolean;
  /**
   * Set for a job whose server knows nothing of Racetrack (docker-proxy): the gateway answers /live, /ready, /health
   * and /metrics for it, and maps paths. `forward`: `/api/v1/X` reaches the job as `/X`, nothing else does;
   * `rewrite`: every path below the job's base URL reaches it with that prefix trimmed.
   */
  proxyMode?: 'forward' | 'rewrite';
  /**
   * Set for a static site (a built hugo job on a process target): the folder the gateway serves the job's paths from
   * itself, answering /live, /ready, /health and /metrics for it; no process, so no upstreams.
   */
  staticRoot?: string;
}

export interface Caller {
  kind: 'user' | 'esc' | 'job';
  /** email, ESC name or job family name */
  name: string;
}

export type CallDecision =
  | { ok: true; caller?: Caller }
  | { ok: false; status: 401 | 403; error: string };

/** Synchronous and in-memory: the hot path never waits on the database. */
export interface CallAuthorizer {
  authorizeCall(token: string | undefined, jobName: string): CallDecision;
}

/** Header name/value pairs in wire order; a list, not a map, so repeated headers (set-cookie) survive. */
export type HeaderPairs = [name: string, value: string][];

/** The call an async task makes: enough to re-run it after a restart (the caller's token is never kept). */
export interface AsyncTaskRequest {
  method: string;
  /** Path below the job root with the query, e.g. `/api/v1/perform?x=1`. */
  path: string;
  /** The client's end-to-end headers minus X-Racetrack-Auth (header and cookie) and hop-by-hop ones. */
  headers: HeaderPairs;
  body: Buffer;
}

/** The job's answer, replayed verbatim to whoever polls the task. */
export interface AsyncTaskResult {
  status: number;
  headers: HeaderPairs;
  body: Buffer;
}

export type AsyncTaskStatus = 'ongoing' | 'done' | 'failed';

export interface AsyncTask {
  id: string;
  jobName: string;
  /** The resolved version (never `latest` or a pattern). */
  jobVersion: string;
  /** Who created the task; undefined when auth is off and the call was anonymous. */
  caller?: Caller;
  status: AsyncTaskStatus;
  request: AsyncTaskRequest;
  result?: AsyncTaskResult;
  /** Why a failed task failed (upstream unreachable, response too large, interrupted by a restart). */
  error?: string;
  /** Epoch milliseconds. */
  createdAt: number;
  finishedAt?: number;
}

/**
 * Where async calls live between creation and the last poll. The in-memory implementation is the
 * test fake; the server uses a SQLite-backed one so tasks survive a restart.
 */
export interface AsyncTaskStore {
  create(task: AsyncTask): Promise<void>;
  complete(id: string, result: AsyncTaskResult): Promise<void>;
  fail(id: string, error: string): Promise<void>;
  get(id: string): Promise<AsyncTask | undefined>;
  /** Resolves with the task as soon as it is no longer ongoing, or with its current state after `timeoutMs`. */
  waitFor(id: string, timeoutMs: number): Promise<AsyncTask | undefined>;
  /** Tasks still ongoing, e.g. those a restart interrupted. */
  listOngoing(): Promise<AsyncTask[]>;
}
