// How a deployment is shown to people and scripts, the same on every face.
import type { Deployment } from '../db/index.js';

export function deploymentView(d: Deployment) {
  return {
    id: d.id,
    job_name: d.jobName,
    version: d.version,
    commit: d.commit,
    status: d.status,
    phase: d.phase,
    target: d.target,
    deployed_by: d.deployedBy,
    started_at: new Date(d.startedAt).toISOString(),
    finished_at: d.finishedAt ? new Date(d.finishedAt).toISOString() : null,
    duration_ms: d.finishedAt ? d.finishedAt - d.startedAt : null,
    error: d.error,
    /** where the server fetched the code from, for a deploy from git.remote */
    source: d.remote ? { remote: d.remote, branch: d.remoteBranch, commit: d.remoteCommit } : null,
  };
}
export type DeploymentView = ReturnType<typeof deploymentView>;
