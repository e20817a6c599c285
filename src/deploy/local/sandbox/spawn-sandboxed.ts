// Starts a sandbox and its network sidecar in order: bwrap sets up the namespaces and says its pid, pasta joins them
// once bwrap's child is done with its setup, and once the network is up (a default route, the gateway's port listening
// inside) bwrap starts the command.
// Whatever fails on the way ends the sandbox and says why on the process's own output.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { GO_FD, INFO_FD } from './sandbox-argv.js';
import { SANDBOX_PATH } from './sandbox-env.js';

const NETWORK_TIMEOUT_MS = 10_000;
const POLL_MS = 5;

export interface SandboxStart {
  /** the sandbox's command line (with any wrapper in front) */
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** its own process group, so a stop reaches everything it started */
  detached: boolean;
  /** a listening socket the command inherits as fd 3 */
  listenFd?: number;
  /** the network sidecar's command line for the sandbox whose pid-1 process is the argument */
  network: (sandboxPid: number) => string[];
  /** loopback ports the network forwards out: the command starts once they listen inside */
  outboundPorts: number[];
  /** the sidecar's messages and setup failures, for the job's log or the push */
  onOutput: (text: string) => void;
}

/** The returned process is the sandbox: its stdout and stderr are the command's, its exit is the command's. */
export function spawnSandboxed(s: SandboxStart): ChildProcess {
  const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', s.listenFd ?? 'ignore', 'pipe', 'pipe'];
  const child = spawn(s.argv[0]!, s.argv.slice(1), { cwd: s.cwd, env: s.env, stdio, detached: s.detached });
  let network: ChildProcess | undefined;
  let up = false;
  const end = (why: string) => {
    s.onOutput(`racetrack: ${why}\n`);
    kill(child, s.detached);
  };
  child.on('exit', () => network?.kill('SIGKILL'));
  // bwrap's end of these may close first (it exits, or is done with them): that is no error of ours
  for (const fd of [INFO_FD, GO_FD]) extraStdio(child, fd).on('error', () => {});
  void (async () => {
    const pid = await sandboxPid(extraStdio(child, INFO_FD) as Readable);
    if (pid === undefined) return; // bwrap ended before it set up, and said why on its stderr
    await setUp(pid);
    const argv = s.network(pid);
    // a group of its own: a terminal's ^C to the server must not cut the network of jobs that are draining
    network = spawn(argv[0]!, argv.slice(1), { cwd: '/', env: { PATH: SANDBOX_PATH }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    // pasta looks into the namespace again after its start: when a quick command has already ended the sandbox,
    // pasta fails on the way out, before node has seen bwrap exit. That is no failure of the command's.
    const ending = () => child.exitCode !== null || child.signalCode !== null || (up && !existsSync(`/proc/${pid}/ns/net`));
    network.stderr!.on('data', (b: Buffer) => {
      if (!ending()) s.onOutput(withoutPastaNoise(b.toString()));
    });
    network.on('error', (e) => end(`the sandbox's network could not start: ${e.message}`));
    network.on('exit', (code, signal) => {
      if (!ending()) end(`the sandbox's network ended (${signal ?? `exit code ${code}`})`);
    });
    await networkUp(pid, s.outboundPorts, () => network!.exitCode !== null || network!.signalCode !== null);
    up = true;
    (extraStdio(child, GO_FD) as Writable).end('go');
  })().catch((e: Error) => {
    if (!up && child.exitCode === null) end(`the sandbox's network did not come up: ${e.message}`);
  });
  return child;
}

/** node types child.stdio as five entries; the sandbox has six */
function extraStdio(child: ChildProcess, fd: number): Readable | Writable {
  return (child.stdio as unknown as (Readable | Writable)[])[fd]!;
}

function kill(child: ChildProcess, group: boolean): void {
  try {
    if (child.pid) process.kill(group ? -child.pid : child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** bwrap's --info-fd JSON: { "child-pid": N, … }; undefined when bwrap ends first */
function sandboxPid(info: Readable): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    let text = '';
    info.on('data', (b: Buffer) => {
      text += b.toString();
      const end = text.indexOf('}');
      if (end < 0) return;
      info.destroy();
      const pid = (JSON.parse(text.slice(0, end + 1)) as { 'child-pid'?: unknown })['child-pid'];
      if (typeof pid === 'number') resolve(pid);
      else reject(new Error('bwrap did not say its pid'));
    });
    info.on('end', () => resolve(undefined));
    info.on('error', reject);
  });
}

/**
 * bwrap says its pid before its child has set the sandbox up. A pasta that joins early either finds the child
 * undumpable (root-owned /proc, mid-setup: "Couldn't open network namespace") or raises lo before bwrap adds
 * 127.0.0.1 ("loopback: Failed RTM_NEWADDR"); both end the sandbox, 1 start in some hundreds under load. The child
 * is done when its loopback has the address and it is dumpable again (bwrap's last step before it waits for "go");
 * it is dumpable before its setup too, hence both.
 */
async function setUp(pid: number): Promise<void> {
  const deadline = Date.now() + NETWORK_TIMEOUT_MS;
  const done = () => statSync(`/proc/${pid}`).uid !== 0 && /\b127\.0\.0\.1\b/.test(readFileSync(`/proc/${pid}/net/fib_trie`, 'utf8'));
  while (!attempt(done)) {
    if (Date.now() > deadline) throw new Error(`bwrap not set up after ${NETWORK_TIMEOUT_MS / 1000} s`);
    await sleep(1);
  }
}

/** false while the sandbox's /proc is closed to us (mid-setup); throws once it is gone */
function attempt(check: () => boolean): boolean {
  try {
    return check();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EACCES') return false;
    throw e;
  }
}

/** Polls the sandbox's own view of the network, as the host's /proc shows it. */
async function networkUp(pid: number, ports: number[], networkGone: () => boolean): Promise<void> {
  const deadline = Date.now() + NETWORK_TIMEOUT_MS;
  for (;;) {
    if (networkGone()) throw new Error('pasta ended');
    const net = (table: string) => readFileSync(`/proc/${pid}/net/${table}`, 'utf8'); // throws once the sandbox is gone
    const routed = /^\S+\s+00000000\s/m.test(net('route')) || /^0{32} 00 /m.test(net('ipv6_route'));
    const listening = (port: number) => [net('tcp'), net('tcp6')].some((t) => new RegExp(`^\\s*\\d+: [0-9A-F]+:${port.toString(16).toUpperCase().padStart(4, '0')} [0-9A-F]+:0000 0A `, 'm').test(t));
    if (routed && ports.every(listening)) return;
    if (Date.now() > deadline) throw new Error(`not up after ${NETWORK_TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

/**
 * What pasta says that is no news here: that it has no syslog to report to, and that it cannot watch the namespace
 * to quit with it (it looks when a quick command may have ended the sandbox already; pasta is ended with the sandbox
 * in any case).
 */
const PASTA_NOISE = [/^Failed to send \d+ bytes to syslog/, /^inotify_add_watch\(\): won't quit once netns is gone/];

export function withoutPastaNoise(text: string): string {
  return text.split('\n').filter((l) => !PASTA_NOISE.some((noise) => noise.test(l))).join('\n');
}
