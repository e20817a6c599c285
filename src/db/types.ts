// Domain types handed out by src/db; callers never see drizzle rows.
import type { Manifest } from '../manifest/index.js';

/** `idle`: stopped for want of calls, started again by the next one; `stopped`: retired by retention */
export type JobVersionStatus = 'starting' | 'running' | 'error' | 'lost' | 'orphaned' | 'stopped' | 'idle';
export type DeploymentStatus = 'in_progress' | 'done' | 'failed';

export interface User {
  id: number;
  email: string;
  isActive: boolean;
  isAdmin: boolean;
  createdAt: number;
  /** the latest self-service registration of this email, how many there were, and where the latest came from */
  registeredAt: number | null;
  registerAttempts: number;
  registeredFrom: string | null;
  /** null until an admin (or RACETRACK_REGISTER_ACTIVE) first lets the account in */
  activatedAt: number | null;
}

export interface SshKey {
  id: number;
  userId: number;
  name: string;
  publicKey: string;
  fingerprint: string;
  createdAt: number;
}

export interface TokenRecord {
  id: number;
  subject: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface Grant {
  id: number;
  subject: string;
  jobName: string;
  scope: string;
}

export interface JobVersion {
  name: string;
  version: string;
  commit: string;
  manifest: Manifest;
  jobType: string;
  status: JobVersionStatus;
  target: string;
  upstreams: string[];
  artifact: Record<string, unknown>;
  promoted: boolean;
  error: string | null;
  deployedBy: string;
  deploymentId: string;
  createdAt: number;
  updatedAt: number;
  /** replicas set by `jobs scale` (null: the manifest's) */
  replicas: number | null;
  /** idle-stop delay set by `jobs idle` in ms, 0 = never (null: RACETRACK_IDLE_STOP_AFTER) */
  idleAfterMs: number | null;
  pinned: boolean;
  promotedAt: number | null;
  /** why and to what `latest` was rolled back from this version, if it was */
  rolledBack: string | null;
  lastCallAt: number | null;
}

export interface Deployment {
  id: string;
  jobName: string;
  version: string | null;
  commit: string | null;
  status: DeploymentStatus;
  phase: string;
  error: string | null;
  target: string | null;
  deployedBy: string;
  logPath: string;
  startedAt: number;
  finishedAt: number | null;
  remote: string | null;
  remoteBranch: string | null;
  remoteCommit: string | null;
}
