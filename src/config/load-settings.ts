// Server settings: a --flag beats an env var, which beats racetrack.yaml in the data dir, which beats the default.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../core/errors.js';
import { parseDuration } from '../core/parse-duration.js';
import { TARGET_NAME } from '../core/target-name.js';
import { DEFAULT_DENIED_NETWORKS, denyAlso, ownAddresses, parseDeniedNetworks, type DeniedNetworks } from '../build/remote/remote-address.js';

export interface Settings {
  /**
   * Any setting by its env name, for the settings plugins own (RACETRACK_GOPROXY, RACETRACK_PYTHON3_BASE_IMAGE…):
   * the env var, else its key in racetrack.yaml (the name without RACETRACK_, lower case).
   */
  lookup: (envName: string) => string | undefined;
  dataDir: string;
  bind: string;
  httpPort: number;
  sshPort: number;
  /** the default infrastructure target's name (the target registry says at start whether it exists) */
  infra: string;
  /** undefined until the listener knows its port; see publicUrlFor */
  publicUrl?: string;
  authRequired: boolean;
  adminToken?: string;
  adminSshKey?: string;
  /** how long a new version may take to become ready, in ms */
  readyTimeoutMs: number;
  /** whether users who sign up through POST /lifecycle/api/v1/users/register may log in before an admin activates them */
  registerActive: boolean;
  /** largest pack a push may send, in bytes */
  maxPushBytes: number;
  /** how long async call results are kept */
  asyncTaskTtlMs: number;
  /** images kept per job on docker besides those in use */
  dockerImageRetention: number;
  /** how long a client may take to send a request head, in ms */
  headTimeoutMs: number;
  /** how long a request body may pause, in ms (time the server itself holds it back does not count) */
  bodyIdleTimeoutMs: number;
  /** slowest average a request body may trickle at after its first bodyIdleTimeoutMs, in bytes/s (0 = any) */
  bodyMinRate: number;
  /** how long an SSH client may take to authenticate, in ms */
  sshAuthTimeoutMs: number;
  /** open connections per listener (HTTP, SSH) */
  maxConnections: number;
  /** open connections per client address per listener */
  maxConnectionsPerAddress: number;
  /** largest job folder a push or an upload may bring, unpacked, in bytes */
  maxJobBytes: number;
  /** most files a job folder (push or upload) may hold */
  maxJobFiles: number;
  /** processes and threads a job's container may have on docker */
  dockerPidsLimit: number;
  /** how long the gateway waits for a job's response head, in ms */
  upstreamHeadTimeoutMs: number;
  /** how long the gateway waits between two pieces of a job's response body, in ms */
  upstreamBodyTimeoutMs: number;
  /** async tasks one caller (one client address when auth is off) may keep stored */
  asyncMaxTasksPerCaller: number;
  /** bytes of request and answer bodies one caller's stored async tasks may hold */
  asyncMaxBytesPerCaller: number;
  /** run local jobs and their builds in a sandbox (off: unconfined, with a warning) */
  localSandbox: boolean;
  /** how long fetching a job's git.remote may take, in ms */
  fetchTimeoutMs: number;
  /** a private key the server offers to ssh git.remote URLs */
  remoteSshKey?: string;
  /** networks a git.remote may not resolve to (default: loopback, 0.0.0.0/8, link-local) */
  remoteDeniedNetworks: DeniedNetworks;
  /** host uids sandboxed local jobs run as when the server is root, one per running job */
  localSandboxUids: { first: number; last: number };
  /** ms without calls after which a version is stopped until its next call; 0 = never */
  idleStopAfterMs: number;
  /** newest versions of each job kept running besides latest and pinned ones; 0 = all */
  keepVersions: number;
  /** deploy logs kept per job besides those of its recorded versions */
  keepDeployLogs: number;
  /** how long after its promotion a failing `latest` is rolled back, in ms */
  rollbackWindowMs: number;
  /** a dashboard session ends after this long without a request, in ms */
  sessionIdleMs: number;
}

/** Every setting: its env name, its racetrack.yaml/flag key, and how to read it. */
const KEYS = {
  dataDir: { env: 'RACETRACK_DATA_DIR', key: 'data_dir' },
  bind: { env: 'RACETRACK_BIND', key: 'bind' },
  httpPort: { env: 'RACETRACK_HTTP_PORT', key: 'http_port' },
  sshPort: { env: 'RACETRACK_SSH_PORT', key: 'ssh_port' },
  infra: { env: 'RACETRACK_INFRA', key: 'infra' },
  publicUrl: { env: 'RACETRACK_PUBLIC_URL', key: 'public_url' },
  authRequired: { env: 'RACETRACK_AUTH_REQUIRED', key: 'auth_required' },
  adminToken: { env: 'RACETRACK_ADMIN_TOKEN', key: 'admin_token' },
  adminSshKey: { env: 'RACETRACK_ADMIN_SSH_KEY', key: 'admin_ssh_key' },
  readyTimeoutMs: { env: 'RACETRACK_READY_TIMEOUT_MS', key: 'ready_timeout_ms' },
  registerActive: { env: 'RACETRACK_REGISTER_ACTIVE', key: 'register_active' },
  maxPushBytes: { env: 'RACETRACK_MAX_PUSH_BYTES', key: 'max_push_bytes' },
  asyncTaskTtlMs: { env: 'RACETRACK_ASYNC_TASK_TTL_MS', key: 'async_task_ttl_ms' },
  dockerImageRetention: { env: 'RACETRACK_DOCKER_IMAGE_RETENTION', key: 'docker_image_retention' },
  headTimeoutMs: { env: 'RACETRACK_HEAD_TIMEOUT_MS', key: 'head_timeout_ms' },
  bodyIdleTimeoutMs: { env: 'RACETRACK_BODY_IDLE_TIMEOUT_MS', key: 'body_idle_timeout_ms' },
  bodyMinRate: { env: 'RACETRACK_BODY_MIN_RATE', key: 'body_min_rate' },
  sshAuthTimeoutMs: { env: 'RACETRACK_SSH_AUTH_TIMEOUT_MS', key: 'ssh_auth_timeout_ms' },
  maxConnections: { env: 'RACETRACK_MAX_CONNECTIONS', key: 'max_connections' },
  maxConnectionsPerAddress: { env: 'RACETRACK_MAX_CONNECTIONS_PER_ADDRESS', key: 'max_connections_per_address' },
  maxJobBytes: { env: 'RACETRACK_MAX_JOB_BYTES', key: 'max_job_bytes' },
  maxJobFiles: { env: 'RACETRACK_MAX_JOB_FILES', key: 'max_job_files' },
  dockerPidsLimit: { env: 'RACETRACK_DOCKER_PIDS_LIMIT', key: 'docker_pids_limit' },
  upstreamHeadTimeoutMs: { env: 'RACETRACK_UPSTREAM_HEAD_TIMEOUT_MS', key: 'upstream_head_timeout_ms' },
  upstreamBodyTimeoutMs: { env: 'RACETRACK_UPSTREAM_BODY_TIMEOUT_MS', key: 'upstream_body_timeout_ms' },
  asyncMaxTasksPerCaller: { env: 'RACETRACK_ASYNC_MAX_TASKS_PER_CALLER', key: 'async_max_tasks_per_caller' },
  asyncMaxBytesPerCaller: { env: 'RACETRACK_ASYNC_MAX_BYTES_PER_CALLER', key: 'async_max_bytes_per_caller' },
  localSandbox: { env: 'RACETRACK_LOCAL_SANDBOX', key: 'local_sandbox' },
  localSandboxUids: { env: 'RACETRACK_LOCAL_SANDBOX_UIDS', key: 'local_sandbox_uids' },
  idleStopAfterMs: { env: 'RACETRACK_IDLE_STOP_AFTER', key: 'idle_stop_after' },
  keepVersions: { env: 'RACETRACK_KEEP_VERSIONS', key: 'keep_versions' },
  rollbackWindowMs: { env: 'RACETRACK_ROLLBACK_WINDOW', key: 'rollback_window' },
  keepDeployLogs: { env: 'RACETRACK_KEEP_DEPLOY_LOGS', key: 'keep_deploy_logs' },
  fetchTimeoutMs: { env: 'RACETRACK_FETCH_TIMEOUT_MS', key: 'fetch_timeout_ms' },
  remoteSshKey: { env: 'RACETRACK_REMOTE_SSH_KEY', key: 'remote_ssh_key' },
  remoteDeniedNetworks: { env: 'RACETRACK_REMOTE_DENIED_NETWORKS', key: 'remote_denied_networks' },
  sessionIdleMs: { env: 'RACETRACK_SESSION_IDLE_MS', key: 'session_idle_ms' },
} as const;

export type SettingName = keyof typeof KEYS;

/** the env var of a setting, e.g. RACETRACK_HTTP_PORT */
export function settingEnvName(name: SettingName): string {
  return KEYS[name].env;
}
export const SETTING_FLAGS: Record<string, SettingName> = Object.fromEntries(
  Object.entries(KEYS).map(([name, k]) => [k.key.replace(/_/g, '-'), name as SettingName]),
);

export function loadSettings(flags: Partial<Record<SettingName, string>> = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const dataDir = resolve(flags.dataDir ?? env[KEYS.dataDir.env] ?? './.racetrack');
  const file = readSettingsFile(join(dataDir, 'racetrack.yaml'));
  const raw = (name: SettingName): string | undefined => flags[name] ?? env[KEYS[name].env] ?? file[KEYS[name].key];

  const lookup = (envName: string): string | undefined => env[envName] || file[envName.replace(/^RACETRACK_/, '').toLowerCase()] || undefined;
  const settings: Settings = {
    lookup,
    dataDir,
    bind: raw('bind') ?? '127.0.0.1',
    httpPort: port('httpPort', raw('httpPort') ?? '7002'),
    sshPort: port('sshPort', raw('sshPort') ?? '2222'),
    infra: targetName('infra', raw('infra') ?? 'local'),
    publicUrl: raw('publicUrl')?.replace(/\/+$/, ''),
    authRequired: bool('authRequired', raw('authRequired') ?? 'true'),
    adminToken: raw('adminToken') || undefined,
    adminSshKey: raw('adminSshKey') || undefined,
    readyTimeoutMs: int('readyTimeoutMs', raw('readyTimeoutMs') ?? '120000'),
    registerActive: bool('registerActive', raw('registerActive') ?? 'false'),
    maxPushBytes: int('maxPushBytes', raw('maxPushBytes') ?? String(512 * 1024 * 1024)),
    asyncTaskTtlMs: int('asyncTaskTtlMs', raw('asyncTaskTtlMs') ?? String(2 * 3600_000)),
    dockerImageRetention: int('dockerImageRetention', raw('dockerImageRetention') ?? '3'),
    headTimeoutMs: int('headTimeoutMs', raw('headTimeoutMs') ?? '30000', 1),
    bodyIdleTimeoutMs: int('bodyIdleTimeoutMs', raw('bodyIdleTimeoutMs') ?? '30000', 1),
    bodyMinRate: int('bodyMinRate', raw('bodyMinRate') ?? '1024'),
    sshAuthTimeoutMs: int('sshAuthTimeoutMs', raw('sshAuthTimeoutMs') ?? '30000', 1),
    maxConnections: int('maxConnections', raw('maxConnections') ?? '10000', 1),
    maxConnectionsPerAddress: int('maxConnectionsPerAddress', raw('maxConnectionsPerAddress') ?? '512', 1),
    maxJobBytes: int('maxJobBytes', raw('maxJobBytes') ?? String(256 * 1024 * 1024), 1),
    maxJobFiles: int('maxJobFiles', raw('maxJobFiles') ?? '20000', 1),
    // 0 would mean no limit to the engine
    dockerPidsLimit: int('dockerPidsLimit', raw('dockerPidsLimit') ?? '512', 1),
    // a perform call may compute for minutes before its first byte; a job silent mid-answer for a minute is stuck
    upstreamHeadTimeoutMs: int('upstreamHeadTimeoutMs', raw('upstreamHeadTimeoutMs') ?? String(15 * 60_000)),
    upstreamBodyTimeoutMs: int('upstreamBodyTimeoutMs', raw('upstreamBodyTimeoutMs') ?? '60000'),
    asyncMaxTasksPerCaller: int('asyncMaxTasksPerCaller', raw('asyncMaxTasksPerCaller') ?? '100'),
    asyncMaxBytesPerCaller: int('asyncMaxBytesPerCaller', raw('asyncMaxBytesPerCaller') ?? String(100 * 1024 * 1024)),
    localSandbox: bool('localSandbox', raw('localSandbox') ?? 'on'),
    localSandboxUids: uidRange('localSandboxUids', raw('localSandboxUids') ?? '2000000000-2000099999'),
    idleStopAfterMs: duration('idleStopAfterMs', raw('idleStopAfterMs') ?? 'off'),
    keepVersions: int('keepVersions', raw('keepVersions') ?? '0'),
    rollbackWindowMs: duration('rollbackWindowMs', raw('rollbackWindowMs') ?? '10m'),
    keepDeployLogs: int('keepDeployLogs', raw('keepDeployLogs') ?? '20'),
    fetchTimeoutMs: int('fetchTimeoutMs', raw('fetchTimeoutMs') ?? String(5 * 60_000), 1),
    remoteSshKey: raw('remoteSshKey') || undefined,
    remoteDeniedNetworks: remoteDeniedNetworks(flagName('remoteDeniedNetworks'), raw('remoteDeniedNetworks')),
    sessionIdleMs: int('sessionIdleMs', raw('sessionIdleMs') ?? String(8 * 3600_000), 1000),
  };
  return settings;
}

function readSettingsFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const doc = parse(readFileSync(path, 'utf8')) as unknown;
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${path}: expected a mapping of settings`);
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, String(v)]));
}

function flagName(name: SettingName): string {
  return `${KEYS[name].env} (--${KEYS[name].key.replace(/_/g, '-')})`;
}

function int(name: SettingName, v: string, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flagName(name)}: "${v}" is not a whole number${min ? ` of at least ${min}` : ''}`);
  return n;
}

/** a duration such as 90s or 15m; `off` (or 0) is 0 */
function duration(name: SettingName, v: string): number {
  return /^off$/i.test(v) ? 0 : parseDuration(v, flagName(name));
}

function port(name: SettingName, v: string): number {
  const n = int(name, v);
  if (n > 65535) throw new UsageError(`${flagName(name)}: ${n} is not a port (0-65535)`);
  return n;
}

function bool(name: SettingName, v: string): boolean {
  if (/^(true|1|yes|on)$/i.test(v)) return true;
  if (/^(false|0|no|off)$/i.test(v)) return false;
  throw new UsageError(`${flagName(name)}: "${v}" is not true or false`);
}

function uidRange(name: SettingName, v: string): { first: number; last: number } {
  const m = /^(\d+)-(\d+)$/.exec(v);
  const [first, last] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(first > 0 && last >= first && last < 2 ** 32 - 1)) throw new UsageError(`${flagName(name)}: "${v}" is not a uid range like 2000000000-2000099999`);
  return { first, last };
}

function targetName(name: SettingName, v: string): string {
  if (TARGET_NAME.test(v)) return v;
  throw new UsageError(`${flagName(name)}: "${v}" is not a target name (such as local, docker, kubernetes)`);
}

/** The setting, or by default loopback, metadata services and every address of this host (its LAN address too). */
function remoteDeniedNetworks(flag: string, configured: string | undefined): DeniedNetworks {
  const denied = parseDeniedNetworks(flag, configured ?? DEFAULT_DENIED_NETWORKS);
  if (configured === undefined) denyAlso(denied, ownAddresses(), 'this host\'s own addresses');
  return denied;
}
