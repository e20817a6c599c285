// Deploy logs do not pile up: per job, the logs of the newest `keep` deployments stay, and those of the deployments
// that made a version still recorded (`jobs build-logs` shows them); older ones are removed. The history rows stay.
import { rmSync } from 'node:fs';
import type { DeploymentStore, JobStore } from '../db/index.js';

export function pruneDeployLogs(deployments: DeploymentStore, jobs: JobStore, jobName: string, keep: number): number {
  const inUse = new Set(jobs.versions(jobName).map((v) => v.deploymentId));
  let removed = 0;
  for (const d of deployments.list(jobName, Number.MAX_SAFE_INTEGER).slice(keep)) {
    if (inUse.has(d.id) || d.status === 'in_progress') continue;
    rmSync(d.logPath, { force: true });
    removed++;
  }
  return removed;
}
