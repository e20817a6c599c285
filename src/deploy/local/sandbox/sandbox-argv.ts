// The local sandbox as command lines. A job version's replica (or a build step) runs with its own uid, its own view
// of the file system, a private /tmp, and its own pid and network namespaces:
//
//   unshare --mount -- sh STAGE …   (root server, when needed) root bind-mounts the paths the job's uid cannot reach
//                                   (a python under /root, the job folder in a 0700 data dir) onto a tmpfs it can,
//                                   in a mount namespace of this chain alone: bwrap mounts as that uid, and bwrap 0.8
//                                   resolves even --bind-fd sources by path. (A privileged outer bwrap would set
//                                   no_new_privs, after which no inner user namespace can map a uid.)
//   setpriv --reuid J --pdeathsig   the job's own uid (root server only); the sandbox dies with the server, even on kill -9
//   bwrap --unshare-all             user, pid, net, ipc, uts, cgroup and mount namespaces: /proc lists the sandbox
//     --die-with-parent             alone, /tmp is empty, and of the host's files only the system paths and the paths
//                                   the job type names (read-only) and the job folder (read-write) exist. It waits
//                                   (--block-fd) until its network is up. No devpts (--dev would need a second user
//                                   namespace, which pasta could not join).
//
// Its network is a sidecar, not a parent, so nothing but the job holds the listening socket it inherits as fd 3 (a
// dead or closed listener refuses connections, and the gateway fails over):
//
//   setpriv --reuid J --pdeathsig   the same uid
//   pasta --config-net --no-map-gw  joins the sandbox's user and network namespaces: outbound goes out through the
//     -t none -T G                  host's sockets; of the host's loopback the job reaches port G alone (the gateway)
import { join } from 'node:path';
import { LISTEN_FD } from '../../../jobtypes/index.js';

/** where a replica finds the listening socket the server opened for it: the job types' contract */
export { LISTEN_FD };
import { reachableByOthers } from './reachable-by-others.js';

/** bwrap writes the sandbox's pid here */
export const INFO_FD = 4;
/** bwrap starts the command once this has data */
export const GO_FD = 5;

export interface SandboxMount {
  /** absolute host path, shown at the same path inside */
  path: string;
  writable?: boolean;
}

export interface SandboxSpec {
  /** host uid (and gid) the processes run as; inside they see the same numbers */
  uid: number;
  gid: number;
  /** host paths shown besides the system's; everything else of the host's file system is absent */
  mounts: SandboxMount[];
  cwd: string;
  /** host loopback ports reachable from inside at 127.0.0.1 under the same number (the gateway's) */
  outboundPorts: number[];
  cmd: string;
  args: string[];
}

/** What the server found at start: the tools, and how this host's system paths are laid out. */
export interface SandboxHost {
  tools: { unshare: string; sh: string; setpriv: string; pasta: string; bwrap: string };
  /** the server runs as root: it switches to the job's uid and stages the mounts */
  privileged: boolean;
  /** an empty root-owned folder the staging tmpfs is mounted on (in the chain's own mount namespace only) */
  stageDir: string;
  /** read-only system paths every sandbox shows (/usr, resolver and TLS files under /etc) */
  systemPaths: string[];
  /** system paths that are symlinks on this host (/bin → usr/bin): recreated, not mounted */
  systemLinks: { path: string; target: string }[];
}

// Binds each path onto the same path under the stage; a file is bound onto an empty file made for it
// (created only where nothing exists, so a path inside an earlier bind is never written to).
const STAGE_SCRIPT = [
  'set -e',
  'stage=$1; shift',
  'mount -t tmpfs -o mode=0755 racetrack-sandbox "$stage"',
  'while [ "$1" != -- ]; do',
  '  if [ -d "$1" ]; then mkdir -p "$stage$1"; else mkdir -p "$stage${1%/*}"; [ -e "$stage$1" ] || : > "$stage$1"; fi',
  '  mount --bind "$1" "$stage$1"',
  '  shift',
  'done',
  'shift',
  'exec "$@"',
].join('\n');

const DEVICES = ['null', 'zero', 'full', 'random', 'urandom'].map((d) => `/dev/${d}`);
const DEV_LINKS = [['/proc/self/fd', '/dev/fd'], ['/proc/self/fd/0', '/dev/stdin'], ['/proc/self/fd/1', '/dev/stdout'], ['/proc/self/fd/2', '/dev/stderr']];

export function sandboxArgv(spec: SandboxSpec, host: SandboxHost): string[] {
  const mounts = normalizeMounts([...host.systemPaths.map((path) => ({ path })), ...spec.mounts]);
  const staged = new Set(host.privileged ? mounts.map((m) => m.path).filter((p) => !reachableByOthers(p)) : []);
  const source = (path: string) => (staged.has(path) ? join(host.stageDir, path) : path);
  const bwrap = [
    host.tools.bwrap, '--unshare-all', '--die-with-parent',
    '--uid', String(spec.uid), '--gid', String(spec.gid),
    '--info-fd', String(INFO_FD), '--block-fd', String(GO_FD),
    '--proc', '/proc', '--tmpfs', '/dev', '--tmpfs', '/dev/shm', '--tmpfs', '/tmp',
    ...DEVICES.flatMap((d) => ['--dev-bind', d, d]),
    ...DEV_LINKS.flatMap(([target, path]) => ['--symlink', target!, path!]),
    ...host.systemLinks.flatMap((l) => ['--symlink', l.target, l.path]),
    ...mounts.flatMap((m) => [m.writable ? '--bind' : '--ro-bind', source(m.path), m.path]),
    '--chdir', spec.cwd,
    '--', spec.cmd, ...spec.args,
  ];
  const setpriv = [...asUser(spec, host), ...bwrap];
  if (!staged.size) return setpriv;
  return [
    host.tools.unshare, '--mount', '--propagation', 'private',
    '--', host.tools.sh, '-c', STAGE_SCRIPT, 'racetrack-sandbox', host.stageDir, ...staged, '--',
    ...setpriv,
  ];
}

/** pasta, joined to the namespaces of the sandbox whose pid-1 process is sandboxPid */
export function networkArgv(spec: Pick<SandboxSpec, 'uid' | 'gid' | 'outboundPorts'>, host: SandboxHost, sandboxPid: number): string[] {
  return [
    ...asUser(spec, host),
    // pasta forwards every port it sees bound when a direction is left out: each one is given
    host.tools.pasta, '--quiet', '--foreground', '--config-net', '--no-map-gw',
    '--tcp-ports', 'none', '--tcp-ns', spec.outboundPorts.length ? spec.outboundPorts.join(',') : 'none',
    '--udp-ports', 'none', '--udp-ns', 'none',
    '--userns', `/proc/${sandboxPid}/ns/user`, '--netns', `/proc/${sandboxPid}/ns/net`,
  ];
}

function asUser(spec: Pick<SandboxSpec, 'uid' | 'gid'>, host: SandboxHost): string[] {
  const ids = host.privileged ? ['--reuid', String(spec.uid), '--regid', String(spec.gid), '--clear-groups'] : [];
  return [host.tools.setpriv, ...ids, '--pdeathsig', 'KILL', '--'];
}

/** Parents before children; a path inside another one of the same or wider access is dropped, duplicates too. */
export function normalizeMounts(mounts: SandboxMount[]): SandboxMount[] {
  const sorted = [...mounts].sort((a, b) => a.path.length - b.path.length || a.path.localeCompare(b.path));
  const kept: SandboxMount[] = [];
  for (const m of sorted) {
    if (!m.path.startsWith('/')) throw new Error(`sandbox mount "${m.path}" is not an absolute path`);
    const cover = kept.find((k) => m.path === k.path || m.path.startsWith(k.path.endsWith('/') ? k.path : `${k.path}/`));
    if (cover && (cover.writable || !m.writable)) continue;
    kept.push(m);
  }
  return kept;
}
