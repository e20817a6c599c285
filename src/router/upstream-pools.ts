// One keep-alive connection pool per upstream address, shared by every version that routes there,
// with a short "down" mark after a failed connect so round-robin skips a dead replica.
import { Http1Pool } from './http1-pool.js';

export interface Upstream {
  readonly address: string;
  /** `http://address`, as it appears in the job's absolute redirects. */
  readonly origin: string;
  readonly pool: Http1Pool;
  /** Epoch ms until which round-robin avoids this address (0 = healthy). */
  downUntil: number;
}

/** How long a replica that refused a connection is skipped (nginx's fail_timeout is 10 s). */
const DOWN_FOR_MS = 5_000;

export class UpstreamPools {
  #byAddress = new Map<string, Upstream>();

  get(address: string): Upstream {
    let upstream = this.#byAddress.get(address);
    if (!upstream) {
      upstream = { address, origin: `http://${address}`, pool: new Http1Pool(address), downUntil: 0 };
      this.#byAddress.set(address, upstream);
    }
    return upstream;
  }

  markDown(upstream: Upstream): void {
    upstream.downUntil = Date.now() + DOWN_FOR_MS;
  }

  /** Closes pools no version routes to any more (in-flight calls finish first). */
  prune(inUse: ReadonlySet<string>): void {
    for (const [address, upstream] of this.#byAddress) {
      if (inUse.has(address)) continue;
      this.#byAddress.delete(address);
      upstream.pool.close();
    }
  }

  close(): void {
    for (const u of this.#byAddress.values()) u.pool.close();
    this.#byAddress.clear();
  }
}

/**
 * Offset from `cursor` of the next replica to try among the `remaining` ones a call has not used:
 * the first not marked down, or, when all of them are, the one at the cursor (marks can be stale).
 */
export function pickUpstream(upstreams: readonly Upstream[], cursor: number, remaining: number): number {
  const now = Date.now();
  for (let k = 0; k < remaining; k++) {
    if (upstreams[(cursor + k) % upstreams.length]!.downUntil <= now) return k;
  }
  return 0;
}
