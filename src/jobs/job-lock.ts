// Serialises deploys and deletes of one job; different jobs proceed in parallel.
import { ConflictError } from '../core/errors.js';

export type Release = () => void;

export class JobLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** @param maxWaitMs how long a second deploy of the same job may wait before it is refused */
  constructor(private readonly maxWaitMs = 10 * 60_000) {}

  /**
   * Waits for NAME's lock (onWait is told when it has to) and resolves with its release.
   * For holders whose work spans callbacks, like a push from pre-receive to post-receive.
   */
  async acquire(name: string, onWait?: () => void): Promise<Release> {
    const prev = this.tails.get(name);
    let release!: Release;
    const held = new Promise<void>((r) => (release = r));
    // the next holder waits for this one to release, whether it ran, failed or gave up waiting
    const tail = Promise.all([prev, held]).then(() => undefined);
    this.tails.set(name, tail);
    void tail.then(() => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    if (prev) {
      onWait?.();
      try {
        await this.waitTurn(name, prev);
      } catch (e) {
        release();
        throw e;
      }
    }
    let released = false;
    return () => {
      if (!released) release();
      released = true;
    };
  }

  /** whether someone holds or waits for NAME's lock now (a deploy in progress) */
  isHeld(name: string): boolean {
    return this.tails.has(name);
  }

  /** Runs fn holding NAME's lock. */
  async with<T>(name: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
    const release = await this.acquire(name, onWait);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private waitTurn(name: string, prev: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ConflictError(
        `another deploy of ${name} has been running for over ${Math.round(this.maxWaitMs / 1000)} s; try again when it is done`,
      )), this.maxWaitMs);
    });
    return Promise.race([prev, timeout]).finally(() => clearTimeout(timer));
  }
}
