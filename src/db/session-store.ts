// Dashboard sessions, by the hash of their cookie value; src/dashboard/sessions.ts keeps them in memory too.
import { eq, lt } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { sessions } from './schema.js';

export interface SessionRow {
  hash: string;
  userEmail: string;
  createdAt: number;
  lastSeenAt: number;
}

export function sessionStore(db: Db) {
  return {
    all(): SessionRow[] {
      return db.select().from(sessions).all();
    },
    insert(s: SessionRow): void {
      db.insert(sessions).values(s).run();
    },
    touch(hash: string, at: number): void {
      db.update(sessions).set({ lastSeenAt: at }).where(eq(sessions.hash, hash)).run();
    },
    delete(hash: string): void {
      db.delete(sessions).where(eq(sessions.hash, hash)).run();
    },
    deleteOfUser(email: string): void {
      db.delete(sessions).where(eq(sessions.userEmail, email)).run();
    },
    deleteIdleSince(at: number): void {
      db.delete(sessions).where(lt(sessions.lastSeenAt, at)).run();
    },
  };
}
export type SessionStore = ReturnType<typeof sessionStore>;
