// Serialises deploys and deletes of one job; different jobs proceed in parallel.

export class JobLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs fn once every earlier holder of NAME's lock is done; onWait is told when it has to wait. */
  async with<T>(name: string, fn: () => Promise<T>, onWait?: () => void): Promise<T> {
    const prev = this.tails.get(name);
    if (prev && onWait) onWait();
    const run = (prev ?? Promise.resolve()).catch(() => {}).then(fn);
    const tail = run.catch(() => {});
    this.tails.set(name, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}
