// Makes one call to a job version and keeps the whole answer in memory, bounded: what an async task runs.
import { responseHeaders } from './response-headers.js';
import type { RouteState } from './route-state.js';
import type { AsyncTaskResult, HeaderPairs } from './types.js';
import { UpstreamCall } from './upstream-call.js';

export interface BufferedCallOptions {
  method: string;
  /** `/pub/job/NAME/VERSION/PATH?query` */
  path: string;
  /** flat `[name, value, …]`, without framing: the body goes with a Content-Length of its own */
  headers: string[];
  body: Buffer;
  tracingId: string;
  maxBodyBytes: number;
  /** Asked before each piece of the answer is kept; a reason refuses it and fails the call. */
  admit: (bytes: number) => string | undefined;
}

/** Resolves with the job's answer; rejects when no replica answers, or the answer is too large. */
export function bufferedCall(state: RouteState, opts: BufferedCallOptions): Promise<AsyncTaskResult> {
  return new Promise((resolve, reject) => new BufferedCall(state, opts, resolve, reject).run());
}

class BufferedCall extends UpstreamCall {
  #chunks: Buffer[] = [];
  #size = 0;
  #status = 0;
  #headers: HeaderPairs = [];

  constructor(
    state: RouteState,
    private readonly opts: BufferedCallOptions,
    private readonly resolve: (r: AsyncTaskResult) => void,
    private readonly reject: (err: Error) => void,
  ) {
    super(state, { method: opts.method, path: opts.path, headers: opts.headers, body: opts.body });
  }

  run(): void {
    this.dispatch();
  }

  protected onResponse(status: number, raw: Buffer[]): boolean {
    this.#status = status;
    const flat = responseHeaders(raw, this.upstream.origin, this.state.jobRoot, this.opts.tracingId);
    for (let i = 0; i < flat.length; i += 2) {
      // The stored body is replayed whole, with a Content-Length of its own.
      if (flat[i]!.toLowerCase() !== 'content-length') this.#headers.push([flat[i]!, flat[i + 1]!]);
    }
    return true;
  }

  protected onBody(chunk: Buffer): boolean {
    this.#size += chunk.length;
    // Thrown, undici aborts the call and reports the error to onFailure.
    if (this.#size > this.opts.maxBodyBytes) {
      throw Object.assign(new Error(`the job's answer is larger than ${this.opts.maxBodyBytes} bytes`), { code: 'RESPONSE_TOO_LARGE' });
    }
    const refused = this.opts.admit(chunk.length);
    if (refused) throw Object.assign(new Error(refused), { code: 'ASYNC_QUOTA' });
    this.#chunks.push(chunk);
    return true;
  }

  protected onEnd(): void {
    this.resolve({ status: this.#status, headers: this.#headers, body: Buffer.concat(this.#chunks) });
  }

  protected onFailure(err: Error): void {
    this.reject(err);
  }
}
