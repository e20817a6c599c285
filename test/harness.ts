// End-to-end harness: the real server as a child process on port 0 with a temp data dir,
// the real git and OpenSSH clients, and helpers to make job repos and call the gateway.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'jobs');
/** node arguments that run the `racetrack` binary from the TypeScript sources (bin/racetrack.js runs the built dist/) */
export const RACETRACK_FROM_SOURCE = ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'main.ts')];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestServer {
  dataDir: string;
  httpUrl: string;
  sshPort: number;
  token: string;
  keyPath: string;
  proc: ChildProcess;
  output: () => string;
  /** SIGTERM and wait for exit; resolves with the exit code */
  stop(): Promise<number | null>;
  /** kill -9 */
  kill(): Promise<void>;
  /** start again on the same data dir (new ports) */
  restart(): Promise<TestServer>;
  ssh(command: string, input?: string | Buffer): Promise<RunResult>;
  sshUrl(name: string): string;
  httpGitUrl(name: string, token?: string): string;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'rt-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A fresh ed25519 key pair made by the real ssh-keygen. */
export function makeSshKey(dir: string, name = 'id_ed25519'): string {
  const path = join(dir, name);
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@test`, '-f', path]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return path;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  dataDir?: string;
  token?: string;
  keyPath?: string;
  /** node arguments that run the binary; default RACETRACK_FROM_SOURCE */
  binary?: string[];
  /** a command the server runs under, e.g. `['unshare', '-r']` */
  wrapper?: string[];
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? tempDir('rt-data-');
  const token = opts.token ?? `rt_test_${randomBytes(16).toString('hex')}`;
  const keyPath = opts.keyPath ?? makeSshKey(dataDir, 'admin_key');
  const [command, ...args] = [...(opts.wrapper ?? []), process.execPath, ...(opts.binary ?? RACETRACK_FROM_SOURCE), 'serve'];
  const proc = spawn(command!, args, {
    env: {
      ...process.env,
      RACETRACK_DATA_DIR: dataDir,
      RACETRACK_HTTP_PORT: '0',
      RACETRACK_SSH_PORT: '0',
      RACETRACK_ADMIN_TOKEN: token,
      RACETRACK_ADMIN_SSH_KEY: `${keyPath}.pub`,
      RACETRACK_READY_TIMEOUT_MS: '30000',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const { httpUrl, sshPort } = await new Promise<{ httpUrl: string; sshPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const http = /racetrack: http listening on (\S+)/.exec(out);
      const ssh = /racetrack: ssh listening on ssh:\/\/[^:]+:(\d+)/.exec(out);
      if (http && ssh) {
        clearTimeout(timer);
        resolve({ httpUrl: http[1]!, sshPort: Number(ssh[1]) });
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const server: TestServer = {
    dataDir, httpUrl, sshPort, token, keyPath, proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await server.stop();
      return startTestServer({ ...opts, dataDir, token, keyPath });
    },
    ssh: (command, input) => run('ssh', [...sshArgs(keyPath, sshPort), 'git@127.0.0.1', command], { input }),
    sshUrl: (name) => `ssh://git@127.0.0.1:${sshPort}/${name}`,
    httpGitUrl: (name, t = token) => `${httpUrl.replace('://', `://racetrack:${t}@`)}/git/${name}.git`,
    async cleanup() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

export function sshArgs(keyPath: string, port: number): string[] {
  return ['-p', String(port), '-i', keyPath, '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes'];
}

/** GIT_SSH_COMMAND for the real OpenSSH client with this key */
export function gitSshEnv(keyPath: string): Record<string, string> {
  const args = sshArgs(keyPath, 22).slice(2); // the port comes from the ssh:// URL
  return { GIT_SSH_COMMAND: ['ssh', ...args].join(' ') };
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.on('error', () => {}); // the program may exit without reading its input
    child.stdin.end(opts.input ?? '');
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A git repo holding a copy of a fixture job (or given files), one commit on main. */
export async function makeJobRepo(fixture: string | Record<string, string>): Promise<string> {
  const dir = tempDir('rt-job-');
  if (typeof fixture === 'string') cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  else for (const [path, text] of Object.entries(fixture)) writeFile(dir, path, text);
  await git(dir, 'init', '-q', '-b', 'main');
  await commitAll(dir, 'initial');
  return dir;
}

export function writeFile(dir: string, path: string, text: string): void {
  const full = join(dir, path);
  spawnSync('mkdir', ['-p', join(full, '..')]);
  writeFileSync(full, text);
}

export async function commitAll(dir: string, message: string): Promise<void> {
  await git(dir, 'add', '-A');
  const r = await git(dir, '-c', 'user.email=dev@example.com', '-c', 'user.name=Dev', 'commit', '-q', '--allow-empty', '-m', message);
  if (r.code !== 0) throw new Error(`git commit failed: ${r.stderr}`);
}

export function git(dir: string, ...args: string[]): Promise<RunResult> {
  return run('git', args, { cwd: dir });
}

/** git push over SSH with the given key; stderr holds the remote: lines */
export function pushSsh(server: TestServer, dir: string, name: string, extra: string[] = [], keyPath = server.keyPath): Promise<RunResult> {
  return run('git', ['push', ...extra, server.sshUrl(name), 'HEAD:main'], { cwd: dir, env: gitSshEnv(keyPath) });
}

export function pushHttp(server: TestServer, dir: string, name: string, extra: string[] = [], token?: string): Promise<RunResult> {
  return run('git', ['push', ...extra, server.httpGitUrl(name, token), 'HEAD:main'], { cwd: dir });
}

export async function callJob(server: TestServer, path: string, init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? server.token : init.token;
  if (token) headers['X-Racetrack-Auth'] = token;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.httpUrl}${path}`, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers,
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Resolves with fn's first defined result (a throw counts as undefined), or fails naming `what` after ms. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves once check() is true (errors count as false), or fails after timeoutMs. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  await waitFor('a condition', async () => ((await check()) ? true : undefined), timeoutMs);
}

/** Every process below pid (the children of each of its threads, recursively), from /proc; [] once it is gone. */
export function descendants(pid: number): number[] {
  let kids: number[];
  try {
    kids = readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    return [];
  }
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

/** true while the process exists and is not a zombie (an orphan may wait a while to be reaped by init) */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
