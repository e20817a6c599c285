// Drizzle schema: the only description of the tables. Only src/db imports it.
import { sqliteTable, text, integer, uniqueIndex, index } from 'drizzle-orm/sqlite-core';

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  passwordHash: text('password_hash'),
  isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
  isAdmin: integer('is_admin', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull(),
  /** the latest self-service registration of this email (POST /users/register), its count and source address */
  registeredAt: integer('registered_at'),
  registerAttempts: integer('register_attempts').notNull().default(0),
  registeredFrom: text('registered_from'),
  /** first activation; a registration never activated may be replaced by a later one, an activated account never */
  activatedAt: integer('activated_at'),
});

export const sshKeys = sqliteTable('ssh_keys', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  userId: integer('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  publicKey: text('public_key').notNull(),
  fingerprint: text('fingerprint').notNull().unique(),
  createdAt: integer('created_at').notNull(),
});

export const escs = sqliteTable('escs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  createdAt: integer('created_at').notNull(),
});

/** API tokens, stored only as hashes. subject is `user:EMAIL`, `esc:NAME` or `job:NAME`. */
export const tokens = sqliteTable('tokens', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  subject: text('subject').notNull(),
  name: text('name').notNull(),
  hash: text('hash').notNull().unique(),
  /** a job family's token, sealed with the server key: a restart starts its versions with it again */
  sealed: text('sealed'),
  createdAt: integer('created_at').notNull(),
  lastUsedAt: integer('last_used_at'),
}, (t) => [index('tokens_subject').on(t.subject)]);

export const grants = sqliteTable('grants', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  subject: text('subject').notNull(),
  jobName: text('job_name').notNull(),
  scope: text('scope').notNull(),
  createdAt: integer('created_at').notNull(),
}, (t) => [uniqueIndex('grants_unique').on(t.subject, t.jobName, t.scope)]);

/** A job family: every version of one NAME, from its first accepted deploy until its last version is deleted. */
export const jobs = sqliteTable('jobs', {
  name: text('name').primaryKey(),
  /** who created the family: a user's email, or `esc:NAME` / `job:NAME` */
  ownerEmail: text('owner_email').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const jobVersions = sqliteTable('job_versions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().references(() => jobs.name, { onDelete: 'cascade' }),
  version: text('version').notNull(),
  commit: text('commit').notNull(),
  manifest: text('manifest').notNull(),
  jobType: text('job_type').notNull(),
  status: text('status').notNull(),
  target: text('target').notNull(),
  upstreams: text('upstreams').notNull().default('[]'),
  /** JSON of the build artifact, enough to start the version again without rebuilding. */
  artifact: text('artifact').notNull().default('{}'),
  promoted: integer('promoted', { mode: 'boolean' }).notNull().default(false),
  error: text('error'),
  deployedBy: text('deployed_by').notNull(),
  deploymentId: text('deployment_id').notNull(),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  lastCallAt: integer('last_call_at'),
  /** `jobs scale`: replicas that override the manifest's until the next deploy of this version */
  replicas: integer('replicas'),
  /** `jobs idle`: this version's idle-stop delay in ms, 0 = never; null follows RACETRACK_IDLE_STOP_AFTER */
  idleAfterMs: integer('idle_after_ms'),
  /** `jobs pin`: retention never stops it */
  pinned: integer('pinned', { mode: 'boolean' }).notNull().default(false),
  /** when `latest` could first move to it (post-receive): the rollback window counts from here */
  promotedAt: integer('promoted_at'),
  /** set when `latest` was rolled back from this version: to which, when, why */
  rolledBack: text('rolled_back'),
}, (t) => [uniqueIndex('job_versions_name_version').on(t.name, t.version)]);

export const deployments = sqliteTable('deployments', {
  id: text('id').primaryKey(),
  jobName: text('job_name').notNull(),
  version: text('version'),
  commit: text('commit'),
  status: text('status').notNull(),
  phase: text('phase').notNull(),
  error: text('error'),
  target: text('target'),
  deployedBy: text('deployed_by').notNull(),
  logPath: text('log_path').notNull(),
  startedAt: integer('started_at').notNull(),
  finishedAt: integer('finished_at'),
  /** set when the server fetched the code from the job's git.remote */
  remote: text('remote'),
  remoteBranch: text('remote_branch'),
  remoteCommit: text('remote_commit'),
}, (t) => [index('deployments_job').on(t.jobName)]);

/** Secret env of a job family, encrypted with the server key (AES-256-GCM); values never leave except into the job. */
export const secrets = sqliteTable('secrets', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  jobName: text('job_name').notNull(),
  key: text('key').notNull(),
  build: integer('build', { mode: 'boolean' }).notNull().default(false),
  valueEnc: text('value_enc').notNull(),
  updatedAt: integer('updated_at').notNull(),
}, (t) => [uniqueIndex('secrets_unique').on(t.jobName, t.key, t.build)]);

/** Append-only: who did what. */
export const auditEvents = sqliteTable('audit_events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  at: integer('at').notNull(),
  actor: text('actor').notNull(),
  action: text('action').notNull(),
  jobName: text('job_name'),
  detail: text('detail').notNull().default(''),
  ok: integer('ok', { mode: 'boolean' }).notNull().default(true),
}, (t) => [index('audit_job').on(t.jobName)]);

/** Async job calls (pub/async), stored so they survive a restart. */
export const asyncTasks = sqliteTable('async_tasks', {
  id: text('id').primaryKey(),
  status: text('status').notNull(),
  jobName: text('job_name').notNull(),
  jobVersion: text('job_version').notNull(),
  caller: text('caller'),
  request: text('request').notNull(),
  result: text('result'),
  error: text('error'),
  createdAt: integer('created_at').notNull(),
  finishedAt: integer('finished_at'),
  expiresAt: integer('expires_at').notNull(),
});

/** Dashboard sessions: the cookie's value is shown to the browser only; the table keeps its hash. */
export const sessions = sqliteTable('sessions', {
  hash: text('hash').primaryKey(),
  userEmail: text('user_email').notNull(),
  createdAt: integer('created_at').notNull(),
  lastSeenAt: integer('last_seen_at').notNull(),
});
