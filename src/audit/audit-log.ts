// Who did what: every change and every refused attempt is appended; admins read it.
import type { AuditEvent, AuditStore } from '../db/index.js';

/** who acted: a user, ESC or job (auth's Subject), or a name such as an address */
export type Actor = { kind: string; name: string } | string;

export class AuditLog {
  constructor(private readonly store: AuditStore) {}

  record(actor: Actor, action: string, opts: { job?: string; detail?: string; ok?: boolean } = {}): void {
    this.store.append({
      actor: typeof actor === 'string' ? actor : `${actor.kind}:${actor.name}`,
      action,
      jobName: opts.job ?? null,
      detail: opts.detail ?? '',
      ok: opts.ok ?? true,
    });
  }

  /** Everything, newest first: for admins (the caller checks). */
  list(opts: { job?: string; limit?: number } = {}): AuditEvent[] {
    return this.store.list({ jobName: opts.job, limit: opts.limit });
  }
}
