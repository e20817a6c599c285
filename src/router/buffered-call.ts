// Makes one call to a job replica and keeps the whole answer in memory (bounded): what an async task runs.
import type { Exchange, ExchangeHandler, FailureStage } from './http1-pool.js';
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

/** Resolves with the job's answer; rejects when no replica answers or the answer is too large. */
export async function bufferedCall(state: RouteState, pools: UpstreamPools, opts: BufferedCallOptions): Promise<AsyncTaskResult> {
  const upstreams = state.upstreams;
  // The body goes with a Content-Length of its own.
  const headers = opts.headers.filter((_, i, all) => all[i - (i % 2)]!.toLowerCase() !== 'content-length');
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
        const handler = new BufferingHandler(upstream.origin, state.prefix, opts, resolve, reject);
        handler.exchange = upstream.pool.request(
          { method: opts.method, path: opts.path, headers, body: opts.body, hasContentLength: true, timeoutMs: opts.timeoutMs },
          handler,
        );
      });
    } catch (err) {
      // The body is in memory, so a replica that could not be reached is no reason to give up.
      if ((err as { stage?: FailureStage }).stage !== 'connect' || remaining === 0) throw err;
      state.metrics.proxyError((err as { code?: string }).code ?? 'connect');
      pools.markDown(upstream);
    }
  }
}

class BufferingHandler implements ExchangeHandler {
  exchange: Exchange | undefined;
  #chunks: Buffer[] = [];
  #size = 0;
  #status = 0;
  #headers: HeaderPairs = [];

  constructor(
    private readonly origin: string,
    private readonly prefix: string,
    private readonly opts: BufferedCallOptions,
    private readonly resolve: (r: AsyncTaskResult) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  onResponse(status: number, raw: string[]): void {
    this.#status = status;
    const flat = responseHeaders(raw, this.origin, this.prefix, this.opts.tracingId);
    for (let i = 0; i < flat.length; i += 2) {
      // The stored body is replayed whole, with a Content-Length of its own.
      if (flat[i]!.toLowerCase() !== 'content-length') this.#headers.push([flat[i]!, flat[i + 1]!]);
    }
  }

  onBody(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size > this.opts.maxBodyBytes) {
      this.exchange?.abort();
      this.reject(Object.assign(new Error(`the job's answer is larger than ${this.opts.maxBodyBytes} bytes`), { code: 'RESPONSE_TOO_LARGE' }));
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  onEnd(): void {
    this.resolve({ status: this.#status, headers: this.#headers, body: Buffer.concat(this.#chunks) });
  }

  onError(err: Error, stage: FailureStage): void {
    this.reject(Object.assign(err, { stage }));
  }
}
