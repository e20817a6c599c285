// Job families and their versions.
import { and, eq, desc, gt, isNull, or } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { jobs, jobVersions, secrets } from './schema.js';
import type { JobVersion, JobVersionStatus } from './types.js';
import type { Manifest } from '../manifest/index.js';

type Row = typeof jobVersions.$inferSelect;
const toVersion = (r: Row): JobVersion => ({
  name: r.name,
  version: r.version,
  commit: r.commit,
  manifest: JSON.parse(r.manifest) as Manifest,
  jobType: r.jobType,
  status: r.status as JobVersionStatus,
  target: r.target,
  upstreams: JSON.parse(r.upstreams) as string[],
  artifact: JSON.parse(r.artifact) as Record<string, unknown>,
  promoted: r.promoted,
  error: r.error,
  deployedBy: r.deployedBy,
  deploymentId: r.deploymentId,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  lastCallAt: r.lastCallAt,
  replicas: r.replicas,
  idleAfterMs: r.idleAfterMs,
  pinned: r.pinned,
  promotedAt: r.promotedAt,
  rolledBack: r.rolledBack,
});

export interface NewJobVersion {
  name: string;
  version: string;
  commit: string;
  manifest: Manifest;
  jobType: string;
  status: JobVersionStatus;
  target: string;
  upstreams: string[];
  artifact: Record<string, unknown>;
  deployedBy: string;
  deploymentId: string;
}

export function jobStore(db: Db) {
  return {
    familyExists(name: string): boolean {
      return db.select({ n: jobs.name }).from(jobs).where(eq(jobs.name, name)).get() !== undefined;
    },
    createFamily(name: string, ownerEmail: string): void {
      db.insert(jobs).values({ name, ownerEmail, createdAt: Date.now() }).onConflictDoNothing().run();
    },
    /** The family row and its secrets, once its last version is gone: nothing of them passes to a reused name. */
    deleteFamily(name: string): void {
      db.transaction((tx) => {
        tx.delete(secrets).where(eq(secrets.jobName, name)).run();
        tx.delete(jobs).where(eq(jobs.name, name)).run();
      });
    },
    versions(name?: string): JobVersion[] {
      const q = db.select().from(jobVersions);
      const rows = name ? q.where(eq(jobVersions.name, name)).orderBy(desc(jobVersions.createdAt)).all()
        : q.orderBy(jobVersions.name, desc(jobVersions.createdAt)).all();
      return rows.map(toVersion);
    },
    /** running versions that may idle: with their own delay, or following the server's when it has one */
    idleCandidates(serverDefaultOn: boolean): JobVersion[] {
      const own = gt(jobVersions.idleAfterMs, 0);
      return db.select().from(jobVersions)
        .where(and(eq(jobVersions.status, 'running'), serverDefaultOn ? or(own, isNull(jobVersions.idleAfterMs)) : own))
        .all().map(toVersion);
    },
    get(name: string, version: string): JobVersion | undefined {
      const r = db.select().from(jobVersions).where(and(eq(jobVersions.name, name), eq(jobVersions.version, version))).get();
      return r && toVersion(r);
    },
    /** Insert or replace the row of NAME VERSION (a forced re-deploy replaces it). */
    put(v: NewJobVersion): void {
      const now = Date.now();
      const values = {
        ...v,
        manifest: JSON.stringify(v.manifest),
        upstreams: JSON.stringify(v.upstreams),
        artifact: JSON.stringify(v.artifact),
        promoted: false,
        error: null,
        createdAt: now,
        updatedAt: now,
      };
      db.insert(jobVersions).values(values)
        // a replaced version keeps its place as latest, so a forced re-deploy or a move never un-routes it; its pin and
        // idle setting stay, replicas follow the manifest again
        .onConflictDoUpdate({ target: [jobVersions.name, jobVersions.version], set: { ...values, promoted: undefined, lastCallAt: null, replicas: null, rolledBack: null } })
        .run();
    },
    setStatus(name: string, version: string, status: JobVersionStatus, fields: { upstreams?: string[]; error?: string | null } = {}): void {
      db.update(jobVersions).set({
        status,
        updatedAt: Date.now(),
        ...(fields.upstreams ? { upstreams: JSON.stringify(fields.upstreams) } : {}),
        ...(fields.error !== undefined ? { error: fields.error } : {}),
      }).where(and(eq(jobVersions.name, name), eq(jobVersions.version, version))).run();
    },
    promote(name: string, version: string): void {
      const now = Date.now();
      db.update(jobVersions).set({ promoted: true, promotedAt: now, updatedAt: now })
        .where(and(eq(jobVersions.name, name), eq(jobVersions.version, version))).run();
    },
    /** `latest` left this version (a rollback): it serves its exact URL only, saying why */
    rollBack(name: string, version: string, why: string): void {
      db.update(jobVersions).set({ promoted: false, rolledBack: why, updatedAt: Date.now() })
        .where(and(eq(jobVersions.name, name), eq(jobVersions.version, version))).run();
    },
    /** operator settings of one version: replicas (`jobs scale`), idle delay (`jobs idle`), pin (`jobs pin`) */
    configure(name: string, version: string, fields: { replicas?: number; idleAfterMs?: number | null; pinned?: boolean }): void {
      db.update(jobVersions).set({ ...fields, updatedAt: Date.now() })
        .where(and(eq(jobVersions.name, name), eq(jobVersions.version, version))).run();
    },
    touchLastCall(name: string, version: string, at: number): void {
      db.update(jobVersions).set({ lastCallAt: at }).where(and(eq(jobVersions.name, name), eq(jobVersions.version, version))).run();
    },
    delete(name: string, version: string): void {
      db.delete(jobVersions).where(and(eq(jobVersions.name, name), eq(jobVersions.version, version))).run();
    },
  };
}
export type JobStore = ReturnType<typeof jobStore>;
