// At most `limit` events per key within a sliding window (registrations per client address); the next is refused with 429.
import { TooManyRequestsError } from '../core/errors.js';

const MAX_TRACKED_KEYS = 10_000;

export class RateLimit {
  /** per key, the times of its events within the window, oldest first */
  private readonly events = new Map<string, number[]>();

  constructor(
    private readonly what: string,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one event of `key`, or throws TooManyRequestsError (with when to retry) if it has had `limit` already. */
  take(key: string): void {
    const since = this.now() - this.windowMs;
    if (!this.events.has(key) && this.events.size >= MAX_TRACKED_KEYS) this.forget(since);
    const times = (this.events.get(key) ?? []).filter((t) => t > since);
    if (times.length >= this.limit) {
      const seconds = Math.max(1, Math.ceil((times[0]! - since) / 1000));
      throw new TooManyRequestsError(`too many ${this.what} from ${key}; try again in ${seconds} s`, seconds);
    }
    times.push(this.now());
    this.events.set(key, times);
  }

  private forget(since: number): void {
    for (const [key, times] of this.events) if (!times.some((t) => t > since)) this.events.delete(key);
  }
}
