// Fetches one branch of a job's git.remote into the job's cache repository, with the real git: shallow,
// bounded in time and size, credentials in the environment of that one git process only (handed to git by a
// credential helper given on its command line), redirects not followed, only the http(s) and ssh transports, and
// only to the address the remote's host was checked at.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestError, RtError } from '../../core/errors.js';
import { runProcess } from '../../core/run-process.js';
import type { CheckedRemote } from './remote-url.js';

export interface GitCredentials {
  username: string;
  password: string;
}

export interface FetchRemoteOptions {
  /** the job's cache: a bare repository kept between deploys, so a redeploy fetches only what is new */
  cacheRepo: string;
  remote: CheckedRemote;
  /** the addresses the remote's host was checked at (remote-address.ts): git connects there and nowhere else */
  addresses: string[];
  /** undefined: the remote's default branch */
  branch?: string;
  credentials?: GitCredentials;
  timeoutMs: number;
  /** the largest pack git may write */
  maxBytes: number;
  /** a private key for ssh remotes (RACETRACK_REMOTE_SSH_KEY) */
  sshKey?: string;
  onOutput?: (text: string) => void;
}

export interface FetchedRemote {
  commit: string;
  branch: string;
}

const FETCHED_REF = 'refs/racetrack/fetched';

/** Answers git's `get` with the two variables; `store`/`erase` get nothing. The values never enter argv. */
const CREDENTIAL_HELPER = '!f() { test "$1" = get && printf \'username=%s\\npassword=%s\\n\' "$RT_GIT_USERNAME" "$RT_GIT_PASSWORD"; }; f';

export async function fetchRemote(opts: FetchRemoteOptions): Promise<FetchedRemote> {
  if (!existsSync(opts.cacheRepo)) {
    mkdirSync(opts.cacheRepo, { recursive: true, mode: 0o700 });
    await runProcess('git', ['init', '--quiet', '--bare', opts.cacheRepo], { env: { PATH: process.env.PATH }, what: 'git init' });
  }
  // an empty HOME: no user config, no stored credentials, no known hosts but the cache's own
  const home = mkdtempSync(join(tmpdir(), 'rt-fetch-'));
  try {
    const env = fetchEnv(opts, home);
    const branch = opts.branch ?? (await defaultBranch(opts, env));
    await runGit(opts, env, ['fetch', '--quiet', '--depth=1', '--no-tags', '--no-write-fetch-head', '--', opts.remote.url, `+refs/heads/${branch}:${FETCHED_REF}`]);
    const commit = (await runProcess('git', ['rev-parse', '--verify', `${FETCHED_REF}^{commit}`], { env: { PATH: process.env.PATH, GIT_DIR: opts.cacheRepo }, what: 'git rev-parse' })).trim();
    return { commit, branch };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function fetchEnv(opts: FetchRemoteOptions, home: string): NodeJS.ProcessEnv {
  const knownHosts = join(opts.cacheRepo, 'known_hosts');
  const { host, port } = opts.remote;
  // the host key stays filed under the name (as ssh files it: [host]:port off port 22) while ssh dials the address
  const address = opts.addresses.find((a) => isIP(a) === 4) ?? opts.addresses[0];
  const pinned = isIP(host) || !address ? [] : ['-o', `HostName=${address}`, '-o', `HostKeyAlias=${quote(port === 22 ? host : `[${host}]:${port}`)}`];
  const ssh = ['ssh', '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new', '-o', `UserKnownHostsFile=${quote(knownHosts)}`, '-o', 'IdentitiesOnly=yes',
    ...pinned, ...(opts.sshKey ? ['-i', quote(opts.sshKey)] : ['-o', 'PubkeyAuthentication=no'])];
  return {
    PATH: process.env.PATH,
    HOME: home,
    GIT_DIR: opts.cacheRepo,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_SSH_COMMAND: ssh.join(' '),
    ...(opts.credentials ? { RT_GIT_USERNAME: opts.credentials.username, RT_GIT_PASSWORD: opts.credentials.password } : {}),
  };
}

/** The branch the remote's HEAD names (one ref advertisement, no objects). */
async function defaultBranch(opts: FetchRemoteOptions, env: NodeJS.ProcessEnv): Promise<string> {
  const out = await runGit(opts, env, ['ls-remote', '--symref', '--', opts.remote.url, 'HEAD']);
  const m = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
  if (!m) throw new BadRequestError(`git.branch: ${opts.remote.url} names no default branch; set git.branch`);
  return m[1]!;
}

function runGit(opts: FetchRemoteOptions, env: NodeJS.ProcessEnv, args: string[]): Promise<string> {
  const config = [
    'protocol.allow=never', 'protocol.https.allow=always', 'protocol.http.allow=always', 'protocol.ssh.allow=always',
    // a redirect could carry the credentials to another host
    'http.followRedirects=false',
    // a stalled server ends the fetch instead of holding the job's lock
    'http.lowSpeedLimit=1024', 'http.lowSpeedTime=30',
    // http(s): curl dials the checked address for the remote's name (ssh is pinned in GIT_SSH_COMMAND)
    ...(opts.remote.kind !== 'ssh' && !isIP(opts.remote.host) ? [`http.curloptResolve=${opts.remote.host}:${opts.remote.port}:${opts.addresses.map((a) => (isIP(a) === 6 ? `[${a}]` : a)).join(',')}`] : []),
    'credential.helper=', ...(opts.credentials ? [`credential.helper=${CREDENTIAL_HELPER}`] : []),
    'core.askPass=', 'submodule.recurse=false',
    // everything fetched stays one pack, so the file-size limit below bounds the whole fetch, not each object
    'fetch.unpackLimit=1',
  ].flatMap((c) => ['-c', c]);
  // --fsize: no file git writes (the pack) grows past the quota; git dies of SIGXFSZ
  const child = spawn('prlimit', [`--fsize=${opts.maxBytes}`, '--', 'git', ...config, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-8192);
    });
    child.on('error', (e) => reject(new RtError(`git: could not start: ${e.message}`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const said = mask(err, opts.credentials).trim();
      if (said) opts.onOutput?.(said);
      if (code === 0) return resolve(out);
      reject(fetchFailure(opts, said, timedOut, signal));
    });
  });
}

/** One line naming the remote and the cause; credentials masked, and said whether they were sent. */
function fetchFailure(opts: FetchRemoteOptions, said: string, timedOut: boolean, signal: NodeJS.Signals | null): RtError {
  const where = `git.remote: fetching ${opts.remote.url}${opts.branch ? ` (branch ${opts.branch})` : ''} failed`;
  const lines = said.split('\n').filter(Boolean).slice(-5);
  if (timedOut) return new BadRequestError(`${where}: no answer within ${opts.timeoutMs / 1000} s`, ['RACETRACK_FETCH_TIMEOUT_MS sets the limit']);
  if (signal === 'SIGXFSZ' || /File size limit exceeded/i.test(said)) {
    return new BadRequestError(`${where}: the repository is larger than ${opts.maxBytes} bytes`, ['RACETRACK_MAX_PUSH_BYTES sets the limit']);
  }
  // index-pack, killed by the file-size limit, leaves git only this to say
  if (/invalid index-pack output/.test(said)) {
    return new BadRequestError(`${where}: its pack could not be kept: the repository is larger than ${opts.maxBytes} bytes, or the pack is damaged`, ['RACETRACK_MAX_PUSH_BYTES sets the limit']);
  }
  if (/Authentication failed|could not read (Username|Password)|terminal prompts disabled|HTTP 40[13]|returned error: 40[13]|Permission denied \(publickey/i.test(said)) {
    const sent = opts.credentials ? `the credentials for it were refused (user ${opts.credentials.username})` : 'it needs credentials: racetrack set credentials REPO_URL USER TOKEN';
    return new BadRequestError(`${where}: authentication failed: ${sent}`, lines);
  }
  if (/couldn't find remote ref/i.test(said)) return new BadRequestError(`git.branch: ${opts.branch} is not a branch of ${opts.remote.url}`, lines);
  if (/redirect/i.test(said) || /HTTP 30[1278]/.test(said)) return new BadRequestError(`${where}: the server redirects, and redirects are not followed`, lines);
  return new BadRequestError(`${where}: ${lines.at(-1) ?? `git ended with ${signal ?? 'an error'}`}`, lines.slice(0, -1));
}

function mask(text: string, credentials: GitCredentials | undefined): string {
  return credentials?.password ? text.split(credentials.password).join('***') : text;
}

/** for GIT_SSH_COMMAND, which git runs through the shell */
function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}
