// A real limit on guessing credentials: each client (an IPv4 address or an IPv6 /64: clientKey) has a budget of
// failed authentications over a window. Once it is spent, every attempt from that client is refused fast with 429
// until the window has passed — a right credential too, and attempts already in flight when it ran out — so parallel
// guesses gain nothing and a success does not buy more. Used by ssh, git over HTTP and the API (tokens and password
// login).
import type { AuditLog } from '../audit/index.js';
import { clientKey } from '../core/client-key.js';
import { RtError, TooManyRequestsError } from '../core/errors.js';

export interface ThrottleLimits {
  /** failures allowed per address within windowMs; the next one blocks the address for windowMs */
  budget: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = { budget: 20, windowMs: 10 * 60_000 };
/** what a caller refused only because its own attempts are still being checked should wait */
const IN_FLIGHT_RETRY_S = 1;
const MAX_TRACKED_ADDRESSES = 10_000;

interface AddressState {
  /** times of the failures within the window, oldest first */
  failures: number[];
  /** attempts admitted and not yet decided: each may still fail, so each holds one unit of the budget */
  inFlight: number;
  blockedUntil: number;
}

export class AuthThrottle {
  private readonly addresses = new Map<string, AddressState>();

  constructor(
    private readonly audit: AuditLog,
    private readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `address` may try again; 0 when it may (ssh asks before it even looks at a key). */
  blockedFor(address: string): number {
    return this.#blockedFor(clientKey(address));
  }

  /** Refuses (TooManyRequestsError) while `address` may not try. */
  check(address: string): void {
    this.#check(clientKey(address));
  }

  /**
   * Runs one credential check from `address` under its budget: refused up front when the budget is spent (or
   * reserved by attempts in flight); a 401 from `verify` counts as a failure; a success is refused when the
   * budget ran out while it was being checked. Works for a synchronous check and for a Promise.
   */
  attempt<T>(address: string, channel: string, verify: () => T): T {
    const client = clientKey(address);
    const s = this.state(client);
    this.#check(client);
    if (s.failures.length + s.inFlight >= this.limits.budget) throw this.refusal(client, IN_FLIGHT_RETRY_S);
    s.inFlight++;
    const settle = (error?: unknown): void => {
      s.inFlight--;
      if (error instanceof RtError && error.httpStatus === 401) this.#fail(client, channel);
      else if (error === undefined) this.#check(client);
    };
    let result: T;
    try {
      result = verify();
    } catch (e) {
      settle(e);
      throw e;
    }
    if (!(result instanceof Promise)) {
      settle();
      return result;
    }
    return result.then((v: unknown) => {
      settle();
      return v;
    }, (e: unknown) => {
      settle(e);
      throw e;
    }) as T;
  }

  /** Counts one failure of `address` over `channel` (audited, without the credential); the last of the budget blocks it. */
  fail(address: string, channel: string): void {
    this.#fail(clientKey(address), channel);
  }

  // the same, for a clientKey

  #blockedFor(client: string): number {
    const ms = this.state(client).blockedUntil - this.now();
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  #check(client: string): void {
    const wait = this.#blockedFor(client);
    if (wait > 0) throw this.refusal(client, wait);
  }

  #fail(client: string, channel: string): void {
    if (this.#blockedFor(client) > 0) return; // already refused; the block was audited once
    const s = this.state(client);
    s.failures.push(this.now());
    const minutes = Math.round(this.limits.windowMs / 60_000);
    this.audit.record(`address:${client}`, 'auth.failed', { ok: false, detail: `${channel}: failure ${s.failures.length} of ${this.limits.budget} allowed in ${minutes} min` });
    if (s.failures.length < this.limits.budget) return;
    s.blockedUntil = this.now() + this.limits.windowMs;
    s.failures = [];
    this.audit.record(`address:${client}`, 'auth.blocked', { ok: false, detail: `${channel}: every attempt from this address is refused for ${minutes} min` });
  }

  /** `client` is a clientKey. */
  private state(client: string): AddressState {
    let s = this.addresses.get(client);
    if (!s) {
      if (this.addresses.size >= MAX_TRACKED_ADDRESSES) this.forgetIdle();
      this.addresses.set(client, (s = { failures: [], inFlight: 0, blockedUntil: 0 }));
    }
    const since = this.now() - this.limits.windowMs;
    while (s.failures.length && s.failures[0]! <= since) s.failures.shift();
    return s;
  }

  private refusal(client: string, seconds: number): TooManyRequestsError {
    return new TooManyRequestsError(`too many failed attempts from ${client}; try again in ${seconds} s`, seconds);
  }

  private forgetIdle(): void {
    const since = this.now() - this.limits.windowMs;
    for (const [address, s] of this.addresses) {
      if (s.inFlight === 0 && s.blockedUntil <= this.now() && !s.failures.some((t) => t > since)) this.addresses.delete(address);
    }
  }
}
