// Who did what: every change and every refused attempt is appended; admins read it.
import type { AuditEvent, AuditStore } from '../db/index.js';
import type { AuthService, Subject } from '../auth/index.js';

export class AuditLog {
  constructor(private readonly store: AuditStore) {}

  record(actor: Subject | string, action: string, opts: { job?: string; detail?: string; ok?: boolean } = {}): void {
    this.store.append({
      actor: typeof actor === 'string' ? actor : `${actor.kind}:${actor.name}`,
      action,
      jobName: opts.job ?? null,
      detail: opts.detail ?? '',
      ok: opts.ok ?? true,
    });
  }

  list(auth: AuthService, actor: Subject, opts: { job?: string; limit?: number } = {}): AuditEvent[] {
    auth.requireAdmin(actor);
    return this.store.list({ jobName: opts.job, limit: opts.limit });
  }
}
