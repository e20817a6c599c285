// How a job version is shown to people and scripts; the ssh commands, API and CLI all use this one shape.
import type { JobVersion } from '../db/index.js';

export interface JobView {
  name: string;
  version: string;
  status: string;
  /** the job-type plugin NAME@VERSION the version was built with (job.yaml's reference before it was built) */
  jobtype: string;
  target: string;
  commit: string;
  deployed_by: string;
  deployment_id: string;
  created_at: string;
  updated_at: string;
  last_call_at: string | null;
  latest: boolean;
  url: string;
  upstreams: string[];
  replicas: number;
  resources: Record<string, string>;
  error: string | null;
  /** ms without calls after which it is stopped (status `idle`) until the next call; 0 = never */
  idle_stop_after_ms: number;
  /** retention (RACETRACK_KEEP_VERSIONS) never stops it */
  pinned: boolean;
  /** why and to what `latest` was rolled back from this version, if it was */
  rolled_back: string | null;
  manifest: unknown;
}

export function jobView(v: JobVersion, publicUrl: string, latestVersion: string | undefined, idleAfterMs: number): JobView {
  return {
    name: v.name,
    version: v.version,
    status: v.status,
    jobtype: builtWith(v) ?? v.manifest.jobtype,
    target: v.target,
    commit: v.commit,
    deployed_by: v.deployedBy,
    deployment_id: v.deploymentId,
    created_at: new Date(v.createdAt).toISOString(),
    updated_at: new Date(v.updatedAt).toISOString(),
    last_call_at: v.lastCallAt ? new Date(v.lastCallAt).toISOString() : null,
    latest: latestVersion === v.version,
    url: `${publicUrl}/pub/job/${v.name}/${v.version}/`,
    upstreams: v.upstreams,
    replicas: v.replicas ?? v.manifest.replicas,
    resources: v.manifest.resources as Record<string, string>,
    error: v.error,
    idle_stop_after_ms: idleAfterMs,
    pinned: v.pinned,
    rolled_back: v.rolledBack,
    manifest: v.manifest,
  };
}

/** NAME@VERSION of the job-type plugin the version was built with, as its artifact remembers it. */
function builtWith(v: JobVersion): string | undefined {
  const { jobType, jobTypeVersion } = v.artifact;
  return typeof jobType === 'string' && typeof jobTypeVersion === 'string' ? `${jobType}@${jobTypeVersion}` : undefined;
}
