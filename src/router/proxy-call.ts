// Streams one call to a job replica and its answer back, as a raw undici dispatch handler writing
// straight to the client's response (no intermediate streams), with failover to the next replica.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { logger } from '../core/log.js';
import { responseHeaders } from './response-headers.js';
import type { RoutedCall } from './route-call.js';
import { sendJson } from './send-json.js';
import { pickUpstream, type Upstream, type UpstreamPools } from './upstream-pools.js';

const log = logger('rt:router');

/** The connection never opened, so the request never left: any method may go to another replica. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
/** The pool closed under us (its version was replaced): nothing was sent either. */
const NOT_SENT_ERRORS = new Set(['UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);
/**
 * A kept-alive connection the job closed as we reused it: the job may have seen the request, so only
 * safe methods without a body are tried again. https://www.rfc-editor.org/rfc/rfc9110#section-9.2.2
 */
const SOCKET_ERRORS = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Status recorded when the client went away before the answer (nginx's 499). */
const CLIENT_CLOSED = 499;

const kCall = Symbol('proxyCall');
type Tracked = ServerResponse & { [kCall]?: ProxyCall };

export class ProxyCall implements Dispatcher.DispatchHandlers {
  readonly #req: IncomingMessage;
  readonly #res: Tracked;
  readonly #call: RoutedCall;
  readonly #pools: UpstreamPools;
  readonly #started: number;
  readonly #options: Dispatcher.DispatchOptions;
  #upstream: Upstream | undefined;
  #cursor: number;
  #remaining: number;
  #abort: ((err?: Error) => void) | undefined;
  resume: (() => void) | undefined;
  #status = 0;
  #done = false;

  constructor(req: IncomingMessage, res: ServerResponse, call: RoutedCall, pools: UpstreamPools, hasBody: boolean, started: number) {
    this.#req = req;
    this.#res = res;
    this.#call = call;
    this.#pools = pools;
    this.#started = started;
    this.#options = { path: call.path, method: req.method as Dispatcher.HttpMethod, headers: call.headers, body: hasBody ? req : null };
    const { state } = call;
    this.#cursor = state.next++ % state.upstreams.length;
    this.#remaining = state.upstreams.length;
  }

  start(): void {
    this.#res[kCall] = this;
    this.#res.on('close', abortOnClientClose);
    this.#dispatch();
  }

  #dispatch(): void {
    const upstreams = this.#call.state.upstreams;
    const skip = pickUpstream(upstreams, this.#cursor, this.#remaining);
    const index = (this.#cursor + skip) % upstreams.length;
    this.#cursor = index + 1;
    this.#remaining -= skip + 1;
    this.#upstream = upstreams[index]!;
    this.#upstream.pool.dispatch(this.#options, this);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx interim answers are not forwarded; the final one follows
    this.#status = statusCode;
    this.resume = resume;
    this.#res.writeHead(statusCode, responseHeaders(headers, this.#upstream!.origin, this.#call.state.prefix, this.#call.tracingId));
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#res.write(chunk)) return true;
    // Backpressure: the job's socket pauses until the client drains.
    this.#res.once('drain', resumeUpstream);
    return false;
  }

  onComplete(): void {
    this.#done = true;
    this.#res.end();
    this.#record(this.#status);
  }

  onError(err: Error): void {
    if (this.#done) return;
    const res = this.#res;
    if (res.destroyed) {
      this.#done = true;
      this.#record(CLIENT_CLOSED);
      return;
    }
    const code = (err as { code?: string }).code ?? '';
    if (!res.headersSent && this.#remaining > 0 && this.#canRetry(code)) {
      if (CONNECT_ERRORS.has(code)) this.#pools.markDown(this.#upstream!);
      this.#call.state.metrics.proxyError(code);
      log.warn({ job: this.#call.state.route.name, version: this.#call.state.route.version, upstream: this.#upstream!.address, code }, 'replica failed; trying the next one');
      this.#dispatch();
      return;
    }
    this.#done = true;
    this.#call.state.metrics.proxyError(code || err.name);
    if (res.headersSent) {
      // Mid-response: all we can say is to cut the connection, so the client sees a truncated answer.
      res.destroy(err);
      this.#record(this.#status);
      return;
    }
    const { route } = this.#call.state;
    const invalid = code === 'UND_ERR_INVALID_ARG';
    const status = invalid ? 400 : 502;
    if (!invalid) log.warn({ job: route.name, version: route.version, upstream: this.#upstream?.address, code, err: err.message }, 'job unreachable');
    sendJson(res, status, {
      error: invalid ? `invalid request: ${err.message}` : `job "${route.name}" version "${route.version}" is unreachable: ${code || err.message}`,
      job_name: route.name,
      job_version: route.version,
      request_id: this.#call.tracingId,
    }, ['x-request-tracing-id', this.#call.tracingId]);
    this.#record(status);
  }

  /** Called when the client's connection closes; a no-op once the answer is complete. */
  abortUpstream(): void {
    if (!this.#done && this.#abort) this.#abort(new Error('client closed the connection'));
  }

  #canRetry(code: string): boolean {
    if (NOT_SENT_ERRORS.has(code)) return this.#bodyUntouched();
    if (CONNECT_ERRORS.has(code)) return this.#bodyUntouched();
    return SOCKET_ERRORS.has(code) && this.#options.body === null && SAFE_METHODS.has(this.#req.method!);
  }

  /** A streamed body can be sent again only if not one byte of it was read yet. */
  #bodyUntouched(): boolean {
    return this.#options.body === null || (!this.#req.readableDidRead && !this.#req.destroyed);
  }

  #record(status: number): void {
    this.#call.state.metrics.observe(status, (performance.now() - this.#started) / 1000);
  }
}

function abortOnClientClose(this: Tracked): void {
  this[kCall]?.abortUpstream();
}

function resumeUpstream(this: Tracked): void {
  this[kCall]?.resume?.();
}
