// git.remote as the server may fetch it: https, http, ssh:// or scp-like user@host:path. Never a local path,
// file://, or one of git's other transports (ext::, fd::): the server must not read its own disk for a user.
import { BadRequestError } from '../../core/errors.js';

export type RemoteKind = 'https' | 'http' | 'ssh';

export interface CheckedRemote {
  url: string;
  kind: RemoteKind;
  /** the host as git resolves it: a name, or an address (an IPv6 one without its brackets) */
  host: string;
  port: number;
}

const DEFAULT_PORTS: Record<RemoteKind, number> = { https: 443, http: 80, ssh: 22 };

/** `git@host:group/repo.git`: a user, a host, a colon, a path that does not start like a port or an option */
const SCP_LIKE = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!\/\/)([^\s]+)$/;

export function checkRemoteUrl(raw: string): CheckedRemote {
  const fail = (why: string): never => {
    throw new BadRequestError(`git.remote: ${why}`, [`given: ${JSON.stringify(raw.slice(0, 200))}`]);
  };
  if (raw.startsWith('-') || /[\x00-\x20\x7f]/.test(raw)) fail('not a URL git can fetch');
  const scp = SCP_LIKE.exec(raw);
  if (scp) return { url: raw, kind: 'ssh', host: scp[2]!, port: DEFAULT_PORTS.ssh };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('expected an https://, http:// or ssh:// URL, or user@host:path (a local path is not fetched)');
  }
  const kind = url.protocol.slice(0, -1);
  if (kind !== 'https' && kind !== 'http' && kind !== 'ssh') return fail(`the ${kind}: transport is not fetched; use https://, http:// or ssh://`);
  if (!url.hostname) fail('names no host');
  if (kind !== 'ssh' && (url.username || url.password)) fail('credentials do not belong in the URL; use: racetrack set credentials REPO_URL USER TOKEN');
  return { url: raw, kind, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) || DEFAULT_PORTS[kind] };
}

/** Loopback hosts: plain http with credentials is allowed only to them (development setups). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A branch name git accepts (as `git check-ref-format --branch` would), and no option in disguise. */
export function checkBranch(raw: string): string {
  if (!raw || raw.startsWith('-') || raw.startsWith('/') || raw.endsWith('/') || raw.endsWith('.lock') || raw.includes('..') || raw.includes('@{') || /[\x00-\x20\x7f~^:?*[\\]/.test(raw) || raw.length > 255) {
    throw new BadRequestError(`git.branch: ${JSON.stringify(raw.slice(0, 100))} is not a branch name`);
  }
  return raw;
}

/** git.directory: a relative path inside the repository, normalised to a/b (empty for the root). */
export function checkDirectory(raw: string | undefined): string {
  const parts = (raw ?? '').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || /[\x00-\x1f\x7f\\]/.test(p)) || raw?.startsWith('/')) {
    throw new BadRequestError(`git.directory: ${JSON.stringify(raw)} must be a relative path inside the repository`);
  }
  return parts.join('/');
}
