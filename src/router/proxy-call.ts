// Streams one call to a job replica and its answer back, writing straight to the client's
// response (no intermediate streams), with failover to the next replica while nothing was sent.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logger } from '../core/log.js';
import type { Exchange, ExchangeHandler, ExchangeRequest, FailureStage } from './http1-pool.js';
import { responseHeaders } from './response-headers.js';
import type { RoutedCall } from './route-call.js';
import { sendJson } from './send-json.js';
import { pickUpstream, type Upstream, type UpstreamPools } from './upstream-pools.js';

const log = logger('rt:router');

/**
 * A reused keep-alive connection that died before any answer: the job may have seen the request,
 * so only safe methods without a body are sent again. https://www.rfc-editor.org/rfc/rfc9110#section-9.2.2
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Status recorded when the client went away before the answer (nginx's 499). */
const CLIENT_CLOSED = 499;

const kCall = Symbol('proxyCall');
type Tracked = ServerResponse & { [kCall]?: ProxyCall };

export class ProxyCall implements ExchangeHandler {
  readonly #req: IncomingMessage;
  readonly #res: Tracked;
  readonly #call: RoutedCall;
  readonly #pools: UpstreamPools;
  readonly #started: number;
  readonly #request: ExchangeRequest;
  #upstream: Upstream | undefined;
  #exchange: Exchange | undefined;
  #cursor: number;
  #remaining: number;
  #staleRetried = false;
  #status = 0;
  #done = false;

  constructor(req: IncomingMessage, res: ServerResponse, call: RoutedCall, pools: UpstreamPools, hasBody: boolean, hasContentLength: boolean, started: number) {
    this.#req = req;
    this.#res = res;
    this.#call = call;
    this.#pools = pools;
    this.#started = started;
    this.#request = { method: req.method!, path: call.path, headers: call.headers, body: hasBody ? req : null, hasContentLength, timeoutMs: 0 };
    const { state } = call;
    this.#cursor = state.next++ % state.upstreams.length;
    this.#remaining = state.upstreams.length;
  }

  start(): void {
    this.#res[kCall] = this;
    this.#res.on('close', abortOnClientClose);
    this.#next();
  }

  /** Round-robin to the next replica this call has not tried. */
  #next(): void {
    const upstreams = this.#call.state.upstreams;
    const skip = pickUpstream(upstreams, this.#cursor, this.#remaining);
    const index = (this.#cursor + skip) % upstreams.length;
    this.#cursor = index + 1;
    this.#remaining -= skip + 1;
    this.#upstream = upstreams[index]!;
    this.#exchange = this.#upstream.pool.request(this.#request, this);
  }

  onResponse(status: number, headers: string[]): void {
    this.#status = status;
    this.#res.writeHead(status, responseHeaders(headers, this.#upstream!.origin, this.#call.state.prefix, this.#call.tracingId));
  }

  onBody(chunk: Buffer): boolean {
    if (this.#res.write(chunk)) return true;
    // Backpressure: the job's socket pauses until the client drains.
    this.#res.once('drain', resumeUpstream);
    return false;
  }

  onEnd(): void {
    this.#done = true;
    this.#res.end();
    this.#record(this.#status);
  }

  onError(err: Error, stage: FailureStage): void {
    if (this.#done) return;
    const res = this.#res;
    if (res.destroyed) {
      this.#done = true;
      this.#record(CLIENT_CLOSED);
      return;
    }
    const code = (err as { code?: string }).code ?? err.name;
    const { state } = this.#call;
    if (!res.headersSent) {
      if (stage === 'connect' && this.#remaining > 0 && this.#bodyUntouched()) {
        this.#pools.markDown(this.#upstream!);
        state.metrics.proxyError(code);
        log.warn({ job: state.route.name, version: state.route.version, upstream: this.#upstream!.address, code }, 'replica unreachable; trying the next one');
        return this.#next();
      }
      if (stage === 'stale' && !this.#staleRetried && this.#request.body === null && SAFE_METHODS.has(this.#request.method)) {
        // The job closed an idle connection as we reused it: same replica, new connection.
        this.#staleRetried = true;
        this.#exchange = this.#upstream!.pool.request(this.#request, this, true);
        return;
      }
    }
    this.#done = true;
    state.metrics.proxyError(code);
    if (res.headersSent) {
      // Mid-answer: all we can do is cut the connection, so the client sees a truncated response.
      res.destroy(err);
      this.#record(this.#status);
      return;
    }
    log.warn({ job: state.route.name, version: state.route.version, upstream: this.#upstream!.address, code, err: err.message }, 'job unreachable');
    sendJson(res, 502, {
      error: `job "${state.route.name}" version "${state.route.version}" is unreachable: ${code}`,
      job_name: state.route.name,
      job_version: state.route.version,
      request_id: this.#call.tracingId,
    }, ['x-request-tracing-id', this.#call.tracingId]);
    this.#record(502);
  }

  /** The client's connection closed: a no-op once the answer is complete. */
  abortUpstream(): void {
    if (this.#done) return;
    this.#done = true;
    this.#exchange?.abort();
    this.#record(CLIENT_CLOSED);
  }

  resumeUpstream(): void {
    // Once done, the connection may already carry someone else's exchange.
    if (!this.#done) this.#exchange?.resume();
  }

  /** A streamed body can go to another replica only if not one byte of it was read yet. */
  #bodyUntouched(): boolean {
    return this.#request.body === null || (!this.#req.readableDidRead && !this.#req.destroyed);
  }

  #record(status: number): void {
    this.#call.state.metrics.observe(status, (performance.now() - this.#started) / 1000);
  }
}

function abortOnClientClose(this: Tracked): void {
  this[kCall]?.abortUpstream();
}

function resumeUpstream(this: Tracked): void {
  this[kCall]?.resumeUpstream();
}
