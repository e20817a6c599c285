// Encrypted secret env rows; encryption itself is the secrets service's job.
import { and, eq } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { secrets } from './schema.js';

export interface SecretRow {
  key: string;
  build: boolean;
  valueEnc: string;
  updatedAt: number;
}

export function secretStore(db: Db) {
  return {
    list(jobName: string): SecretRow[] {
      return db.select({ key: secrets.key, build: secrets.build, valueEnc: secrets.valueEnc, updatedAt: secrets.updatedAt })
        .from(secrets).where(eq(secrets.jobName, jobName)).orderBy(secrets.key).all();
    },
    set(jobName: string, key: string, build: boolean, valueEnc: string): void {
      const updatedAt = Date.now();
      db.insert(secrets).values({ jobName, key, build, valueEnc, updatedAt })
        .onConflictDoUpdate({ target: [secrets.jobName, secrets.key, secrets.build], set: { valueEnc, updatedAt } }).run();
    },
    unset(jobName: string, key: string): number {
      return db.delete(secrets).where(and(eq(secrets.jobName, jobName), eq(secrets.key, key))).run().changes;
    },
  };
}
export type SecretStore = ReturnType<typeof secretStore>;
