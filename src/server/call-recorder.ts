// "Last call" per job version, batched: the gateway notes calls in memory, a timer writes them to SQLite.

export class CallRecorder {
  private pending = new Map<string, { name: string; version: string; at: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly write: (name: string, version: string, at: number) => void, intervalMs = 5000) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  /** `key` is versionKey(name, version), made by the caller once per version. */
  readonly record = (name: string, version: string, key: string): void => {
    this.pending.set(key, { name, version, at: Date.now() });
  };

  flush(): void {
    const batch = this.pending;
    this.pending = new Map();
    for (const c of batch.values()) this.write(c.name, c.version, c.at);
  }
}
