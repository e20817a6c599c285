// The audit trail: appended to, never updated.
import { desc, eq } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { auditEvents } from './schema.js';

export interface AuditEvent {
  id: number;
  at: number;
  actor: string;
  action: string;
  jobName: string | null;
  detail: string;
  ok: boolean;
}

export function auditStore(db: Db) {
  return {
    append(e: Omit<AuditEvent, 'id' | 'at'>): void {
      db.insert(auditEvents).values({ ...e, at: Date.now() }).run();
    },
    list(opts: { jobName?: string; limit?: number } = {}): AuditEvent[] {
      const q = db.select().from(auditEvents);
      return (opts.jobName ? q.where(eq(auditEvents.jobName, opts.jobName)) : q).orderBy(desc(auditEvents.id)).limit(opts.limit ?? 100).all();
    },
  };
}
export type AuditStore = ReturnType<typeof auditStore>;
