// Async pub calls: create a task that calls the job in the background, then poll it for the job's
// own answer or ask its status. Only the caller that created a task may read it (when auth is on),
// and what a caller keeps stored is bounded by its quota.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientKey } from '../core/client-key.js';
import { logger } from '../core/log.js';
import { readBoundedBody } from '../core/read-bounded-body.js';
import { AsyncQuota, type QuotaRefusal } from './async-quota.js';
import { bufferedCall } from './buffered-call.js';
import type { RoutedCall } from './route-call.js';
import type { RequestFraming } from './scan-request-headers.js';
import { sendJson } from './send-json.js';
import type { AsyncTask, AsyncTaskStore, CallAuthorizer, HeaderPairs } from './types.js';

const log = logger('rt:router');

export interface AsyncCallsOptions {
  store: AsyncTaskStore;
  authorizer: CallAuthorizer;
  authRequired: boolean;
  /** How long a poll waits for the task to finish before answering 202. */
  pollTimeoutMs: number;
  /** Bound on both the request body kept in the task and the job's answer. */
  maxBodyBytes: number;
  /** Per caller (per client address when auth is off): stored tasks, and bytes of their bodies. */
  maxTasksPerCaller: number;
  maxBytesPerCaller: number;
  /** How long the store keeps a task: its share of the quota is freed then. */
  taskTtlMs: number;
}

export class AsyncCalls {
  readonly #quota: AsyncQuota;

  constructor(private readonly o: AsyncCallsOptions) {
    this.#quota = new AsyncQuota({ maxTasks: o.maxTasksPerCaller, maxBytes: o.maxBytesPerCaller, ttlMs: o.taskTtlMs });
  }

  /** `POST /pub/async/new/job/…` once routed and authorised: 201 with the task id, the call runs on. */
  async create(req: IncomingMessage, res: ServerResponse, call: RoutedCall, framing: RequestFraming): Promise<void> {
    const declared = framing.kind === 'length' ? framing.length : 0;
    if (declared > this.o.maxBodyBytes) return this.#tooLarge(res, call);
    const id = randomUUID();
    // Auth on: async calls always have a caller. Auth off: the client's address (its /64 for IPv6) stands for it.
    const owner = call.caller ? `${call.caller.kind}:${call.caller.name}` : `address:${clientKey(req.socket.remoteAddress)}`;
    const refused = this.#quota.reserve(owner, id, declared);
    if (refused) return this.#overQuota(res, call, refused);
    let stored = false;
    try {
      const bound = Math.min(this.o.maxBodyBytes, this.#quota.remaining(owner));
      const body = framing.kind === 'none' ? Buffer.alloc(0) : await readBoundedBody(req, bound);
      if (!body) {
        if (bound === this.o.maxBodyBytes) return this.#tooLarge(res, call);
        return this.#overQuota(res, call, this.#quota.bytesRefusal(owner), ['connection', 'close']);
      }
      const overQuota = this.#quota.grow(owner, id, body.length);
      if (overQuota) return this.#overQuota(res, call, overQuota);
      await this.#store(res, call, id, owner, req.method!, body);
      stored = true;
    } finally {
      if (!stored) this.#quota.release(owner, id);
    }
  }

  async #store(res: ServerResponse, call: RoutedCall, id: string, owner: string, method: string, body: Buffer): Promise<void> {
    const { route } = call.state;
    const task: AsyncTask = {
      id,
      jobName: route.name,
      jobVersion: route.version,
      caller: call.caller,
      status: 'ongoing',
      request: { method, path: call.rest || '/', headers: pairs(call.headers), body },
      createdAt: Date.now(),
    };
    await this.o.store.create(task);
    sendJson(res, 201, { task_id: task.id, status: 'ongoing' }, ['x-request-tracing-id', call.tracingId]);
    void this.#run(task, call, owner);
  }

  async #run(task: AsyncTask, call: RoutedCall, owner: string): Promise<void> {
    const started = performance.now();
    const { metrics } = call.state;
    try {
      const result = await bufferedCall(call.state, {
        method: task.request.method,
        path: call.path,
        headers: call.headers,
        body: task.request.body,
        tracingId: call.tracingId,
        maxBodyBytes: this.o.maxBodyBytes,
        admit: (bytes) => this.#quota.grow(owner, task.id, bytes)?.error,
      });
      metrics.observe(result.status, (performance.now() - started) / 1000);
      await this.o.store.complete(task.id, result);
    } catch (err) {
      // The partial answer is dropped: only the request stays stored.
      this.#quota.shrink(owner, task.id, task.request.body.length);
      const { code, message } = err as Error & { code?: string };
      metrics.observe(502, (performance.now() - started) / 1000);
      log.warn({ task: task.id, job: task.jobName, version: task.jobVersion, code, err: message }, 'async call failed');
      // The gateway's own refusals (answer too large, quota) say why; an upstream failure names its code.
      const why = code === 'RESPONSE_TOO_LARGE' || code === 'ASYNC_QUOTA' ? message : `did not answer: ${code ?? message}`;
      await this.o.store.fail(task.id, `job "${task.jobName}" version "${task.jobVersion}" ${why}`).catch(() => {});
    }
  }

  /** `GET /pub/async/task/ID/poll`: waits, then 202 while ongoing, else the job's status, headers and body. */
  async poll(res: ServerResponse, id: string, token: string | undefined): Promise<void> {
    if (!(await this.#readable(res, id, token))) return;
    const task = (await this.o.store.waitFor(id, this.o.pollTimeoutMs))!;
    if (res.destroyed) return;
    if (task.status === 'ongoing') {
      sendJson(res, 202, { task_id: id, status: 'ongoing' }, ['retry-after', '1']);
    } else if (task.status === 'failed' || !task.result) {
      sendJson(res, 502, { error: task.error ?? 'the task failed', job_name: task.jobName, job_version: task.jobVersion, request_id: id, task_id: id });
    } else {
      const { status, headers, body } = task.result;
      res.writeHead(status, [...headers.flat(), 'content-length', String(body.length)]);
      res.end(body);
    }
  }

  /** `GET /pub/async/task/ID/status` */
  async status(res: ServerResponse, id: string, token: string | undefined): Promise<void> {
    const task = await this.#readable(res, id, token);
    if (!task) return;
    sendJson(res, 200, {
      task_id: task.id,
      status: task.status,
      job_name: task.jobName,
      job_version: task.jobVersion,
      created_at: new Date(task.createdAt).toISOString(),
      ...(task.finishedAt !== undefined ? { finished_at: new Date(task.finishedAt).toISOString() } : {}),
      ...(task.result ? { response_status: task.result.status } : {}),
      ...(task.error !== undefined ? { error: task.error } : {}),
    });
  }

  /**
   * Fails the tasks a restart interrupted: their calls may have had effects, so re-running a POST
   * behind the caller's back is not safe; the caller learns it from the poll and may call again.
   */
  async failInterrupted(): Promise<number> {
    const ongoing = await this.o.store.listOngoing();
    for (const task of ongoing) await this.o.store.fail(task.id, 'interrupted by a server restart; call the job again');
    return ongoing.length;
  }

  /** The task when the token may read it; otherwise answers 404/401/403 and returns undefined. */
  async #readable(res: ServerResponse, id: string, token: string | undefined): Promise<AsyncTask | undefined> {
    const task = await this.o.store.get(id);
    if (!task) {
      sendJson(res, 404, { error: `async task "${id}" not found`, job_name: null, job_version: null, request_id: id, task_id: id });
      return undefined;
    }
    // Tasks made anonymously (auth off, or a public endpoint) are anyone's to read.
    if (!this.o.authRequired || !task.caller) return task;
    const decision = this.o.authorizer.authorizeCall(token, task.jobName);
    let status = 0;
    let error = '';
    if (!decision.ok) ({ status, error } = decision);
    else if (decision.caller?.kind !== task.caller.kind || decision.caller.name !== task.caller.name) {
      status = 403;
      error = `async task "${id}" belongs to another caller`;
    }
    if (!status) return task;
    sendJson(res, status, { error, job_name: task.jobName, job_version: task.jobVersion, request_id: id, task_id: id });
    return undefined;
  }

  #tooLarge(res: ServerResponse, call: RoutedCall): void {
    sendJson(res, 413, errorBody(call, `the request body is larger than ${this.o.maxBodyBytes} bytes`), ['connection', 'close']);
  }

  #overQuota(res: ServerResponse, call: RoutedCall, refused: QuotaRefusal, headers: string[] = []): void {
    const body = { ...errorBody(call, refused.error), quota: refused.quota };
    sendJson(res, 429, body, ['retry-after', String(refused.retryAfter), 'x-request-tracing-id', call.tracingId, ...headers]);
  }
}

function pairs(flat: readonly string[]): HeaderPairs {
  const out: HeaderPairs = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

function errorBody(call: RoutedCall, error: string): Record<string, string> {
  return { error, job_name: call.state.route.name, job_version: call.state.route.version, request_id: call.tracingId };
}
