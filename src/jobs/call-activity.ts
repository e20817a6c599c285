// Calls in flight and the last call per job version, in memory: what the idle stop reads. Kept by the gateway's
// hot path, so keyed by the versionKey string the gateway made once for the version.
export class CallActivity {
  readonly #inFlight = new Map<string, number>();
  readonly #last = new Map<string, number>();

  /** A call to the version started; call what this returns when it is over. */
  started(key: string): () => void {
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    this.touch(key);
    return () => {
      const n = (this.#inFlight.get(key) ?? 1) - 1;
      if (n > 0) this.#inFlight.set(key, n);
      else this.#inFlight.delete(key);
      this.touch(key);
    };
  }

  /** The version was active now (a call, a start). */
  touch(key: string): void {
    this.#last.set(key, Date.now());
  }

  busy(key: string): boolean {
    return this.#inFlight.has(key);
  }

  /** Epoch ms of the version's last activity this process saw, if any. */
  lastAt(key: string): number | undefined {
    return this.#last.get(key);
  }

  forget(key: string): void {
    this.#last.delete(key);
  }
}
