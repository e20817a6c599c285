// Makes one call to a job replica and keeps the whole answer in memory (bounded): what an async task runs.
import type { Dispatcher } from 'undici';
import { responseHeaders } from './response-headers.js';
import type { RouteState } from './route-state.js';
import type { AsyncTaskResult, HeaderPairs } from './types.js';
import { pickUpstream, type UpstreamPools } from './upstream-pools.js';

export interface BufferedCallOptions {
  method: string;
  /** `/pub/job/NAME/VERSION/PATH?query` */
  path: string;
  /** flat `[name, value, …]` */
  headers: string[];
  body: Buffer;
  tracingId: string;
  maxBodyBytes: number;
  timeoutMs: number;
}

/** Errors raised before a connection existed: the call can go to another replica, whatever its method. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);

/** Resolves with the job's answer; rejects when no replica answers or the answer is too large. */
export async function bufferedCall(state: RouteState, pools: UpstreamPools, opts: BufferedCallOptions): Promise<AsyncTaskResult> {
  const upstreams = state.upstreams;
  let cursor = state.next++ % upstreams.length;
  let remaining = upstreams.length;
  for (;;) {
    const skip = pickUpstream(upstreams, cursor, remaining);
    const index = (cursor + skip) % upstreams.length;
    cursor = index + 1;
    remaining -= skip + 1;
    const upstream = upstreams[index]!;
    try {
      return await new Promise<AsyncTaskResult>((resolve, reject) => {
        upstream.pool.dispatch(
          {
            path: opts.path,
            method: opts.method as Dispatcher.HttpMethod,
            headers: opts.headers,
            body: opts.body,
            headersTimeout: opts.timeoutMs,
            bodyTimeout: opts.timeoutMs,
          },
          new BufferingHandler(upstream.origin, state.prefix, opts, resolve, reject),
        );
      });
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!CONNECT_ERRORS.has(code) || remaining === 0) throw err;
      state.metrics.proxyError(code);
      pools.markDown(upstream);
    }
  }
}

class BufferingHandler implements Dispatcher.DispatchHandlers {
  #chunks: Buffer[] = [];
  #size = 0;
  #status = 0;
  #headers: HeaderPairs = [];
  #abort: ((err?: Error) => void) | undefined;

  constructor(
    private readonly origin: string,
    private readonly prefix: string,
    private readonly opts: BufferedCallOptions,
    private readonly resolve: (r: AsyncTaskResult) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
  }

  onHeaders(statusCode: number, raw: Buffer[]): boolean {
    if (statusCode < 200) return true;
    this.#status = statusCode;
    const flat = responseHeaders(raw, this.origin, this.prefix, this.opts.tracingId);
    for (let i = 0; i < flat.length; i += 2) {
      // The stored body is replayed whole, with a Content-Length of its own.
      if (flat[i]!.toLowerCase() !== 'content-length') this.#headers.push([flat[i]!, flat[i + 1]!]);
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size > this.opts.maxBodyBytes) {
      this.#abort?.(new Error(`the job's answer is larger than ${this.opts.maxBodyBytes} bytes`));
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    this.resolve({ status: this.#status, headers: this.#headers, body: Buffer.concat(this.#chunks) });
  }

  onError(err: Error): void {
    this.reject(err);
  }
}
