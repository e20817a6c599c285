// Users and their SSH keys.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { users, sshKeys } from './schema.js';
import type { User, SshKey } from './types.js';

type UserRow = typeof users.$inferSelect;
const toUser = (r: UserRow): User => ({
  id: r.id, email: r.email, isActive: r.isActive, isAdmin: r.isAdmin, createdAt: r.createdAt,
  registeredAt: r.registeredAt, registerAttempts: r.registerAttempts, registeredFrom: r.registeredFrom, activatedAt: r.activatedAt,
});

export function userStore(db: Db) {
  return {
    list(): User[] {
      return db.select().from(users).orderBy(users.id).all().map(toUser);
    },
    count(): number {
      return db.select().from(users).all().length;
    },
    byEmail(email: string): User | undefined {
      const r = db.select().from(users).where(eq(users.email, email)).get();
      return r && toUser(r);
    },
    byId(id: number): User | undefined {
      const r = db.select().from(users).where(eq(users.id, id)).get();
      return r && toUser(r);
    },
    setPasswordHash(email: string, hash: string): void {
      db.update(users).set({ passwordHash: hash }).where(eq(users.email, email)).run();
    },
    passwordHash(email: string): string | null | undefined {
      return db.select({ h: users.passwordHash }).from(users).where(eq(users.email, email)).get()?.h;
    },
    /** a new account; `registeredFrom` marks it as a self-service registration from that address */
    insert(u: { email: string; isAdmin: boolean; isActive: boolean; passwordHash?: string; registeredFrom?: string }): User {
      const now = Date.now();
      const registration = u.registeredFrom === undefined ? {} : { registeredAt: now, registerAttempts: 1, registeredFrom: u.registeredFrom };
      const r = db.insert(users).values({ ...u, ...registration, createdAt: now, activatedAt: u.isActive ? now : null }).returning().get();
      return toUser(r);
    },
    /** A later registration of a never-activated email takes the place of the earlier one; the count goes up. */
    replaceRegistration(email: string, r: { passwordHash: string; from: string; active: boolean }): void {
      const now = Date.now();
      db.update(users).set({
        passwordHash: r.passwordHash, registeredAt: now, registeredFrom: r.from, registerAttempts: sql`${users.registerAttempts} + 1`,
        ...(r.active ? { isActive: true, activatedAt: now } : {}),
      }).where(and(eq(users.email, email), isNull(users.activatedAt))).run();
    },
    setActive(email: string, active: boolean): void {
      db.update(users).set({ isActive: active, ...(active ? { activatedAt: sql`coalesce(${users.activatedAt}, ${Date.now()})` } : {}) })
        .where(eq(users.email, email)).run();
    },
    keys(userId: number): SshKey[] {
      return db.select().from(sshKeys).where(eq(sshKeys.userId, userId)).orderBy(sshKeys.id).all();
    },
    keyByFingerprint(fp: string): SshKey | undefined {
      return db.select().from(sshKeys).where(eq(sshKeys.fingerprint, fp)).get();
    },
    insertKey(k: { userId: number; name: string; publicKey: string; fingerprint: string }): SshKey {
      return db.insert(sshKeys).values({ ...k, createdAt: Date.now() }).returning().get();
    },
    deleteKey(id: number): void {
      db.delete(sshKeys).where(eq(sshKeys.id, id)).run();
    },
  };
}
export type UserStore = ReturnType<typeof userStore>;
