// Dashboard sessions: kept in SQLite (they survive a restart) and mirrored in memory, so checking one — on every
// dashboard page and on /pub calls that carry the session cookie — never waits on the database.
import { createHash, randomBytes } from 'node:crypto';
import type { SessionStore } from '../db/index.js';

/** A session cookie's value starts with this: the gateway tells it from an API token without a lookup. */
export const SESSION_PREFIX = 'rts_';
/** how often the idle clocks that moved are written to SQLite (write-behind) */
const TOUCH_WRITE_MS = 60_000;

interface Live {
  email: string;
  lastSeenAt: number;
  savedSeenAt: number;
}

const hashOf = (value: string): string => createHash('sha256').update(value).digest('base64url');

export class Sessions {
  private readonly live = new Map<string, Live>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: SessionStore,
    readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {
    store.deleteIdleSince(this.now() - idleMs);
    for (const s of store.all()) this.live.set(s.hash, { email: s.userEmail, lastSeenAt: s.lastSeenAt, savedSeenAt: s.lastSeenAt });
    this.timer = setInterval(() => this.flush(), TOUCH_WRITE_MS);
    this.timer.unref();
  }

  /** A new session for `email`; the value goes into the cookie and nowhere else. */
  start(email: string): string {
    const value = SESSION_PREFIX + randomBytes(32).toString('base64url');
    const at = this.now();
    const hash = hashOf(value);
    this.store.insert({ hash, userEmail: email, createdAt: at, lastSeenAt: at });
    this.live.set(hash, { email, lastSeenAt: at, savedSeenAt: at });
    return value;
  }

  /** The email of a live session (its idle clock restarts), or undefined when unknown, ended or idle too long. */
  use(value: string | undefined): string | undefined {
    if (!value?.startsWith(SESSION_PREFIX)) return undefined;
    const hash = hashOf(value);
    const s = this.live.get(hash);
    if (!s) return undefined;
    const at = this.now();
    if (at - s.lastSeenAt > this.idleMs) {
      this.drop(hash);
      return undefined;
    }
    s.lastSeenAt = at;
    return s.email;
  }

  end(value: string | undefined): void {
    if (value?.startsWith(SESSION_PREFIX)) this.drop(hashOf(value));
  }

  /** Writes the idle clocks that moved; also drops sessions idle too long. */
  flush(): void {
    const at = this.now();
    for (const [hash, s] of this.live) {
      if (at - s.lastSeenAt > this.idleMs) this.drop(hash);
      else if (s.lastSeenAt !== s.savedSeenAt) {
        this.store.touch(hash, s.lastSeenAt);
        s.savedSeenAt = s.lastSeenAt;
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const [hash, s] of this.live) if (s.lastSeenAt !== s.savedSeenAt) this.store.touch(hash, s.lastSeenAt);
  }

  private drop(hash: string): void {
    this.live.delete(hash);
    this.store.delete(hash);
  }
}
