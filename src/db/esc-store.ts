// External service consumers: named callers that hold tokens and grants but never log in.
import type { Db } from './open-database.js';
import { escs } from './schema.js';

export function escStore(db: Db) {
  return {
    list(): string[] {
      return db.select({ name: escs.name }).from(escs).orderBy(escs.name).all().map((r) => r.name);
    },
    insert(name: string): void {
      db.insert(escs).values({ name, createdAt: Date.now() }).run();
    },
  };
}
export type EscStore = ReturnType<typeof escStore>;
