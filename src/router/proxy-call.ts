// Streams one call to a job replica and its answer back, writing straight to the client's response
// (no intermediate streams): the plain /pub/job/… request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logger } from '../core/log.js';
import { callFailure } from './call-failure.js';
import { responseHeaders } from './response-headers.js';
import type { RoutedCall } from './route-call.js';
import type { RequestFraming } from './scan-request-headers.js';
import { sendJson } from './send-json.js';
import { UpstreamCall } from './upstream-call.js';

const log = logger('rt:router');

/** Status recorded when the client went away before the answer (nginx's 499). */
const CLIENT_CLOSED = 499;

const kCall = Symbol('proxyCall');
type Tracked = ServerResponse & { [kCall]?: ProxyCall };

export class ProxyCall extends UpstreamCall {
  readonly #req: IncomingMessage;
  readonly #res: Tracked;
  readonly #call: RoutedCall;
  readonly #started: number;
  readonly #hasBody: boolean;
  #over: (() => void) | undefined;
  #status = 0;

  /** `framing` is how Node delimited the client's body; the job gets the same body framed by undici. */
  constructor(req: IncomingMessage, res: ServerResponse, call: RoutedCall, framing: RequestFraming, started: number) {
    const headers = call.headers;
    if (framing.kind === 'length') headers.push('content-length', String(framing.length));
    const hasBody = framing.kind === 'length' || framing.kind === 'chunked';
    super(call.state, { method: req.method!, path: call.path, headers, body: hasBody ? req : null });
    this.#req = req;
    this.#res = res;
    this.#call = call;
    this.#started = started;
    this.#hasBody = hasBody;
  }

  /**
   * `over` runs when the response closes, answered or not. The one 'close' listener does that and stops the call;
   * a second listener, added with `once`, cost ~1 µs per call.
   */
  start(over: void | (() => void)): void {
    this.#over = over ?? undefined;
    this.#res[kCall] = this;
    this.#res.on('close', responseClosed);
    this.dispatch();
  }

  protected onResponse(status: number, raw: Buffer[]): boolean {
    this.#status = status;
    const headers = responseHeaders(raw, this.upstream.origin, this.#call.state.jobRoot, this.#call.tracingId);
    // The job answered before the whole body came: the rest is dropped, and so is this connection.
    if (this.#hasBody && !this.#req.complete) headers.push('connection', 'close');
    this.#res.writeHead(status, headers);
    return true;
  }

  protected onBody(chunk: Buffer): boolean {
    if (this.#res.write(chunk)) return true;
    // Backpressure: the job's connection pauses until the client drains.
    this.#res.once('drain', resumeUpstream);
    return false;
  }

  protected onEnd(): void {
    this.#res.end();
    this.#record(this.#status);
  }

  protected onFailure(err: Error): void {
    const res = this.#res;
    if (res.destroyed) return this.#record(CLIENT_CLOSED);
    if (res.headersSent) {
      // Mid-answer: all we can do is cut the connection, so the client sees a truncated response.
      res.destroy(err);
      return this.#record(this.#status);
    }
    const { status, body } = callFailure(err, this.state, this.#call.tracingId);
    const { route } = this.state;
    log.warn({ job: route.name, version: route.version, upstream: this.upstream.address, code: (err as { code?: string }).code, err: err.message }, 'job call failed');
    sendJson(res, status, body, ['x-request-tracing-id', this.#call.tracingId]);
    this.#record(status);
  }

  protected override onCancelled(): void {
    this.#record(CLIENT_CLOSED);
  }

  /** The response closed: the call stops if it still runs (the client went away), and is over. */
  closed(): void {
    this.cancel();
    this.#over?.();
  }

  #record(status: number): void {
    this.state.metrics.observe(status, (performance.now() - this.#started) / 1000);
  }
}

function responseClosed(this: Tracked): void {
  this[kCall]?.closed();
}

function resumeUpstream(this: Tracked): void {
  this[kCall]?.resume();
}
