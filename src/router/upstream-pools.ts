// The connections to each upstream address, shared by every version that routes there: undici
// Clients (one keep-alive connection each) handed to one call at a time, most recently used first,
// with a short "down" mark after a failed connect so round-robin skips a dead replica.
import { Client } from 'undici';
import { CallDeadlines, type DeadlineLimits } from './call-deadlines.js';

/** How long a replica that refused a connection is skipped (nginx's fail_timeout is 10 s). */
const DOWN_FOR_MS = 5_000;
/** Idle clients kept per address; more are closed as their calls end. */
const MAX_IDLE = 256;

/**
 * One replica. undici's Pool would do, but it hands a new call only to a client that has finished
 * its previous one (an event-loop turn after the answer), so under load it opens a second set of
 * connections and scans them all on every call. Here a client goes back to the idle stack as soon as
 * its call ends; undici queues the next call on it and writes it once the connection was checked
 * quiet (bytes or a close that came while idle make undici drop that connection instead).
 */
export class Upstream {
  readonly address: string;
  /** `http://address`, as it appears in the job's absolute redirects. */
  readonly origin: string;
  /** Epoch ms until which round-robin avoids this address (0 = healthy). */
  downUntil = 0;
  /** Keeps the head and body limits of the calls made here (undici's own timers are off). */
  readonly deadlines: CallDeadlines;
  readonly #options: Client.Options;
  readonly #idle: Client[] = [];
  readonly #all = new Set<Client>();
  #closed = false;

  constructor(address: string, deadlines: CallDeadlines) {
    this.address = address;
    this.origin = `http://${address}`;
    this.deadlines = deadlines;
    this.#options = {
      // one request per connection at a time: no pipelining, so one slow answer delays no one else
      pipelining: 1,
      headersTimeout: 0,
      bodyTimeout: 0,
      // a request body that is not exactly as long as declared fails instead of desynchronising the connection
      strictContentLength: true,
    };
  }

  /** A client for one call; hand it back with `release` when the call is over. */
  acquire(): Client {
    const idle = this.#idle.pop();
    if (idle) return idle;
    const client = new Client(this.origin, this.#options);
    this.#all.add(client);
    return client;
  }

  release(client: Client): void {
    if (this.#closed || this.#idle.length >= MAX_IDLE || client.closed || client.destroyed) {
      this.#all.delete(client);
      client.close().catch(() => {});
      return;
    }
    this.#idle.push(client);
  }

  /** Closes idle clients now and the others as their calls end. */
  close(): void {
    this.#closed = true;
    for (const client of this.#idle.splice(0)) this.release(client);
  }

  /** Drops every connection, in flight or idle. */
  async destroy(): Promise<void> {
    this.#closed = true;
    this.#idle.length = 0;
    const all = [...this.#all];
    this.#all.clear();
    await Promise.all(all.map((c) => c.destroy().catch(() => {})));
  }
}

export class UpstreamPools {
  #byAddress = new Map<string, Upstream>();
  readonly #deadlines: CallDeadlines;

  constructor(limits: DeadlineLimits) {
    this.#deadlines = new CallDeadlines(limits);
  }

  get(address: string): Upstream {
    let upstream = this.#byAddress.get(address);
    if (!upstream) this.#byAddress.set(address, (upstream = new Upstream(address, this.#deadlines)));
    return upstream;
  }

  /** Closes the connections to addresses no version routes to any more (in-flight calls finish first). */
  prune(inUse: ReadonlySet<string>): void {
    for (const [address, upstream] of this.#byAddress) {
      if (inUse.has(address)) continue;
      this.#byAddress.delete(address);
      upstream.close();
    }
  }

  /** Drops every connection: the server waited for in-flight calls before. */
  async close(): Promise<void> {
    const all = [...this.#byAddress.values()];
    this.#byAddress.clear();
    this.#deadlines.close();
    await Promise.all(all.map((u) => u.destroy()));
  }
}

/** Round-robin skips a replica that refused a connection for a while. */
export function markDown(upstream: Upstream): void {
  upstream.downUntil = Date.now() + DOWN_FOR_MS;
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
