// API tokens (hashes only) and grants: the rows behind every auth decision.
import { and, desc, eq, isNotNull, or } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { tokens, grants } from './schema.js';
import type { Grant, TokenRecord } from './types.js';

export function tokenStore(db: Db) {
  return {
    /** hash → subject, for the in-memory auth cache */
    allHashes(): { hash: string; subject: string; id: number }[] {
      return db.select({ hash: tokens.hash, subject: tokens.subject, id: tokens.id }).from(tokens).all();
    },
    bySubject(subject: string): TokenRecord[] {
      return db.select({ id: tokens.id, subject: tokens.subject, name: tokens.name, createdAt: tokens.createdAt, lastUsedAt: tokens.lastUsedAt })
        .from(tokens).where(eq(tokens.subject, subject)).orderBy(tokens.id).all();
    },
    byId(id: number): TokenRecord | undefined {
      return db.select({ id: tokens.id, subject: tokens.subject, name: tokens.name, createdAt: tokens.createdAt, lastUsedAt: tokens.lastUsedAt })
        .from(tokens).where(eq(tokens.id, id)).get();
    },
    hasHash(hash: string): boolean {
      return db.select({ id: tokens.id }).from(tokens).where(eq(tokens.hash, hash)).get() !== undefined;
    },
    /** `sealed` only for a job family's token, whose value a restart needs again */
    insert(t: { subject: string; name: string; hash: string; sealed?: string }): TokenRecord {
      const r = db.insert(tokens).values({ ...t, createdAt: Date.now() }).returning().get();
      return { id: r.id, subject: r.subject, name: r.name, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt };
    },
    delete(id: number): void {
      db.delete(tokens).where(eq(tokens.id, id)).run();
    },
    /** the sealed tokens of a subject (a job family), newest first */
    sealedOf(subject: string): { id: number; hash: string; sealed: string }[] {
      return db.select({ id: tokens.id, hash: tokens.hash, sealed: tokens.sealed }).from(tokens)
        .where(and(eq(tokens.subject, subject), isNotNull(tokens.sealed))).orderBy(desc(tokens.id)).all()
        .map((t) => ({ ...t, sealed: t.sealed! }));
    },
    /** A job family has ended: its tokens, the grants made to it and the grants on its name go, together. */
    forgetFamily(name: string): void {
      db.transaction((tx) => {
        tx.delete(tokens).where(eq(tokens.subject, `job:${name}`)).run();
        tx.delete(grants).where(or(eq(grants.subject, `job:${name}`), eq(grants.jobName, name))).run();
      });
    },
    allGrants(): Grant[] {
      return db.select({ id: grants.id, subject: grants.subject, jobName: grants.jobName, scope: grants.scope }).from(grants).orderBy(grants.id).all();
    },
    insertGrant(g: { subject: string; jobName: string; scope: string }): void {
      db.insert(grants).values({ ...g, createdAt: Date.now() }).onConflictDoNothing().run();
    },
    deleteGrant(g: { subject: string; jobName: string; scope: string }): number {
      return db.delete(grants)
        .where(and(eq(grants.subject, g.subject), eq(grants.jobName, g.jobName), eq(grants.scope, g.scope)))
        .run().changes;
    },
  };
}
export type TokenStore = ReturnType<typeof tokenStore>;
