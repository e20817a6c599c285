// Users and their SSH keys.
import { eq } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { users, sshKeys } from './schema.js';
import type { User, SshKey } from './types.js';

type UserRow = typeof users.$inferSelect;
const toUser = (r: UserRow): User => ({ id: r.id, email: r.email, isActive: r.isActive, isAdmin: r.isAdmin, createdAt: r.createdAt });

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
    passwordHash(email: string): string | null | undefined {
      return db.select({ h: users.passwordHash }).from(users).where(eq(users.email, email)).get()?.h;
    },
    insert(u: { email: string; isAdmin: boolean; isActive: boolean; passwordHash?: string }): User {
      const r = db.insert(users).values({ ...u, createdAt: Date.now() }).returning().get();
      return toUser(r);
    },
    setActive(email: string, active: boolean): void {
      db.update(users).set({ isActive: active }).where(eq(users.email, email)).run();
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
