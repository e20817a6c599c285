// Deployments: one row per push or redeploy, with its phase, status and log file.
import { eq, desc } from 'drizzle-orm';
import type { Db } from './open-database.js';
import { deployments } from './schema.js';
import type { Deployment, DeploymentStatus } from './types.js';

type Row = typeof deployments.$inferSelect;
const toDeployment = (r: Row): Deployment => ({ ...r, status: r.status as DeploymentStatus });

export function deploymentStore(db: Db) {
  return {
    create(d: { id: string; jobName: string; deployedBy: string; logPath: string; commit?: string; origin?: { remote: string; branch: string; commit: string } }): Deployment {
      return toDeployment(db.insert(deployments).values({
        id: d.id, jobName: d.jobName, deployedBy: d.deployedBy, logPath: d.logPath, commit: d.commit ?? null,
        remote: d.origin?.remote ?? null, remoteBranch: d.origin?.branch ?? null, remoteCommit: d.origin?.commit ?? null,
        status: 'in_progress', phase: 'received', startedAt: Date.now(),
      }).returning().get());
    },
    update(id: string, fields: Partial<Pick<Deployment, 'version' | 'commit' | 'phase' | 'target'>>): void {
      db.update(deployments).set(fields).where(eq(deployments.id, id)).run();
    },
    finish(id: string, status: 'done' | 'failed', error: string | null = null): void {
      db.update(deployments).set({ status, error, finishedAt: Date.now() }).where(eq(deployments.id, id)).run();
    },
    get(id: string): Deployment | undefined {
      const r = db.select().from(deployments).where(eq(deployments.id, id)).get();
      return r && toDeployment(r);
    },
    list(jobName?: string, limit = 100): Deployment[] {
      const q = db.select().from(deployments);
      return (jobName ? q.where(eq(deployments.jobName, jobName)) : q).orderBy(desc(deployments.startedAt)).limit(limit).all().map(toDeployment);
    },
    /** Deployments cut short by a crash: marked failed at start. Returns how many. */
    failInterrupted(): number {
      return db.update(deployments).set({ status: 'failed', error: 'interrupted', finishedAt: Date.now() })
        .where(eq(deployments.status, 'in_progress')).run().changes;
    },
  };
}
export type DeploymentStore = ReturnType<typeof deploymentStore>;
