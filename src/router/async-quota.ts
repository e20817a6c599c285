// Per-caller bounds on what async calls keep on the server until their tasks expire: how many tasks
// (ongoing or finished), and how many bytes of request and answer bodies. Counted in memory as tasks
// are made; a restart forgets the count of tasks made before it (they expire on their own).
export interface AsyncQuotaLimits {
  maxTasks: number;
  maxBytes: number;
  /** How long the store keeps a task after its creation. */
  ttlMs: number;
}

export interface QuotaRefusal {
  quota: 'async_tasks' | 'async_bytes';
  error: string;
  /** Seconds until the caller's oldest task expires and frees its share. */
  retryAfter: number;
}

interface Held {
  bytes: number;
  expiresAt: number;
}

class Usage {
  /** By task id, oldest first (Map keeps insertion order). */
  readonly tasks = new Map<string, Held>();
  bytes = 0;
}

/** How often every caller's expired tasks are forgotten, so callers who left do not pile up. */
const SWEEP_EVERY_MS = 60_000;

export class AsyncQuota {
  readonly #byOwner = new Map<string, Usage>();
  #sweepAt = 0;

  constructor(private readonly limits: AsyncQuotaLimits) {}

  /** Takes a task slot for `owner`, or says which quota refuses it (`declaredBytes`: a body about to come). */
  reserve(owner: string, id: string, declaredBytes: number): QuotaRefusal | undefined {
    const now = Date.now();
    this.#sweep(now);
    const usage = this.#usage(owner, now);
    if (usage.tasks.size >= this.limits.maxTasks) return this.#refusal('async_tasks', usage, now);
    if (usage.bytes + declaredBytes > this.limits.maxBytes) return this.#refusal('async_bytes', usage, now);
    usage.tasks.set(id, { bytes: 0, expiresAt: now + this.limits.ttlMs });
    return undefined;
  }

  /** Bytes `owner` may still store. */
  remaining(owner: string): number {
    return Math.max(0, this.limits.maxBytes - (this.#byOwner.get(owner)?.bytes ?? 0));
  }

  /** The refusal of a body that would not fit in what `owner` may still store. */
  bytesRefusal(owner: string): QuotaRefusal {
    const now = Date.now();
    return this.#refusal('async_bytes', this.#usage(owner, now), now);
  }

  /** Counts `bytes` more for a task (its body, then its answer as it comes); a refusal counts nothing. */
  grow(owner: string, id: string, bytes: number): QuotaRefusal | undefined {
    const usage = this.#byOwner.get(owner);
    const held = usage?.tasks.get(id);
    if (!usage || !held) return undefined; // expired meanwhile: the store no longer keeps it either
    if (usage.bytes + bytes > this.limits.maxBytes) return this.#refusal('async_bytes', usage, Date.now());
    held.bytes += bytes;
    usage.bytes += bytes;
    return undefined;
  }

  /** A task's count goes back to `bytes` (its answer was dropped). */
  shrink(owner: string, id: string, bytes: number): void {
    const usage = this.#byOwner.get(owner);
    const held = usage?.tasks.get(id);
    if (!usage || !held || held.bytes <= bytes) return;
    usage.bytes -= held.bytes - bytes;
    held.bytes = bytes;
  }

  /** Frees the slot of a task that was never stored. */
  release(owner: string, id: string): void {
    const usage = this.#byOwner.get(owner);
    const held = usage?.tasks.get(id);
    if (!usage || !held) return;
    usage.tasks.delete(id);
    usage.bytes -= held.bytes;
  }

  #usage(owner: string, now: number): Usage {
    let usage = this.#byOwner.get(owner);
    if (!usage) this.#byOwner.set(owner, (usage = new Usage()));
    this.#expire(usage, now);
    return usage;
  }

  #expire(usage: Usage, now: number): void {
    for (const [id, held] of usage.tasks) {
      if (held.expiresAt > now) break;
      usage.tasks.delete(id);
      usage.bytes -= held.bytes;
    }
  }

  #sweep(now: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + SWEEP_EVERY_MS;
    for (const [owner, usage] of this.#byOwner) {
      this.#expire(usage, now);
      if (usage.tasks.size === 0) this.#byOwner.delete(owner);
    }
  }

  #refusal(quota: QuotaRefusal['quota'], usage: Usage, now: number): QuotaRefusal {
    const oldest = usage.tasks.values().next().value as Held | undefined;
    const retryAfter = Math.max(1, Math.ceil(((oldest?.expiresAt ?? now) - now) / 1000));
    const kept = `tasks are kept ${Math.round(this.limits.ttlMs / 60_000)} min after creation`;
    const error = quota === 'async_tasks'
      ? `async quota reached: at most ${this.limits.maxTasks} stored async tasks per caller; ${kept}`
      : `async quota reached: at most ${this.limits.maxBytes} bytes of async requests and answers stored per caller; ${kept}`;
    return { quota, error, retryAfter };
  }
}
