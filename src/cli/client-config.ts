// The client's settings in ~/.racetrack/config.yaml, with Racetrack's field names: the current remote,
// remote aliases, a token per remote, git credentials per repository. Written 0600: it holds tokens.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { RtError, UsageError } from '../core/errors.js';

export interface ClientConfig {
  /** the current remote: a URL or an alias */
  lifecycle_url?: string;
  lifecycle_url_aliases: Record<string, string>;
  /** remote URL → token */
  user_auths: Record<string, string>;
  /** repository URL → credentials */
  git_credentials: Record<string, { username: string; password: string }>;
}

export const DEFAULT_REMOTE = 'http://127.0.0.1:7002';

export function configPath(): string {
  return join(homedir(), '.racetrack', 'config.yaml');
}

export function loadClientConfig(): ClientConfig {
  const path = configPath();
  const doc = existsSync(path) ? (parse(readFileSync(path, 'utf8')) as Partial<ClientConfig> | null) : null;
  if (doc !== null && (typeof doc !== 'object' || Array.isArray(doc))) throw new RtError(`${path}: expected a mapping`);
  return {
    lifecycle_url: doc?.lifecycle_url,
    lifecycle_url_aliases: doc?.lifecycle_url_aliases ?? {},
    user_auths: doc?.user_auths ?? {},
    git_credentials: doc?.git_credentials ?? {},
  };
}

export function saveClientConfig(config: ClientConfig): void {
  const path = configPath();
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

/** A remote is the server's base URL; Racetrack's remotes end in /lifecycle, which is dropped. */
export function normalizeRemote(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`remote: "${raw}" is not a URL or a known alias`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`remote: "${raw}" is not an http(s) URL`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '').replace(/\/lifecycle$/, '');
}

/** The remote to talk to: the --remote value or the configured one, through the aliases. */
export function resolveRemote(config: ClientConfig, override?: string): string {
  const chosen = override ?? config.lifecycle_url ?? DEFAULT_REMOTE;
  return normalizeRemote(config.lifecycle_url_aliases[chosen] ?? chosen);
}

/** The config as `get config` shows it: every token and password masked. */
export function maskedConfig(config: ClientConfig): ClientConfig {
  return {
    ...config,
    user_auths: Object.fromEntries(Object.entries(config.user_auths).map(([url, token]) => [url, mask(token)])),
    git_credentials: Object.fromEntries(Object.entries(config.git_credentials).map(([url, c]) => [url, { ...c, password: mask(c.password) }])),
  };
}

function mask(secret: string): string {
  return secret.length > 12 ? `${secret.slice(0, 4)}…(masked)` : '(masked)';
}
