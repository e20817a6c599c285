// The local sandbox, attacked from inside by pushed jobs: their code (and a build's setup.py) tries to read the data
// dir, another job's folder and environment, the server's environment, to signal or trace other processes and to
// reach loopback ports it was not given. Each attempt must be refused or find nothing; outbound network and calls
// through PUB_URL with the job's token keep working.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, relative, sep } from 'node:path';
import { randomBytes } from 'node:crypto';
import { callJob, descendants, makeJobRepo, pushSsh, run, startTestServer, tempDir, type TestServer } from '../harness.js';

const SERVER_MARKER = `server-env-${randomBytes(8).toString('hex')}`;
const VICTIM_SECRET = `victim-secret-${randomBytes(8).toString('hex')}`;
const BUILD_SECRET = `build-secret-${randomBytes(8).toString('hex')}`;

const VICTIM = {
  'job.yaml': 'name: victim\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: victim.py\n',
  'victim.py': 'class Victim:\n    def perform(self):\n        return "victim alive"\n',
};

// Every attempt answers "ok: …" or "refused: ErrorType"; the test decides which is which.
const ATTACKER_PY = `
import ctypes, json, os, socket, urllib.request

def attempt(fn):
    try:
        return 'ok: ' + str(fn())[:120]
    except Exception as e:
        return 'refused: ' + type(e).__name__

def read(path):
    with open(path, 'rb') as f:
        return f.read(32)

def environs():
    found = []
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/environ' % pid, 'rb') as f:
                    found.append(f.read().decode(errors='replace'))
            except OSError:
                pass
    return found

def connect(host, port):
    with socket.create_connection((host, port), timeout=3):
        return 'connected'

libc = ctypes.CDLL(None, use_errno=True)

def seize(pid):
    # PTRACE_SEIZE attaches without stopping the tracee; the attach ends when this process does
    if libc.ptrace(0x4206, pid, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return 'attached'

def write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return text

def pub_call(path):
    req = urllib.request.Request(os.environ['PUB_URL'] + path, data=b'{}', method='POST',
                                 headers={'content-type': 'application/json', 'X-Racetrack-Auth': os.environ['AUTH_TOKEN']})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())

class Attacker:
    def perform(self, files: list, dirs: list, pids: list, loopback_ports: list, outbound: list):
        return {
            'uid': os.getuid(),
            'oom_score_adj': open('/proc/self/oom_score_adj').read().strip(),
            'oom_lower': attempt(lambda: write('/proc/self/oom_score_adj', '-1000')),
            'env': dict(os.environ),
            'files': {p: attempt(lambda p=p: read(p)) for p in files},
            'dirs': {d: attempt(lambda d=d: os.listdir(d)) for d in dirs},
            'environs': environs(),
            'processes': sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
            'kill_any': attempt(lambda: os.kill(-1, 0)),
            'kill': {str(p): attempt(lambda p=p: os.kill(p, 0)) for p in pids},
            'ptrace': {str(p): attempt(lambda p=p: seize(p)) for p in pids},
            'loopback': {str(port): attempt(lambda port=port: connect('127.0.0.1', port)) for port in loopback_ports},
            'outbound': {'%s:%d' % (h, port): attempt(lambda h=h, port=port: connect(h, port)) for h, port in outbound},
            'pub': attempt(lambda: pub_call('/job/victim/latest/api/v1/perform')),
        }
`;

const ATTACKER = {
  'job.yaml': 'name: attacker\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: attacker.py\nruntime_env:\n  OWN_MARKER: attacker-own\n',
  'attacker.py': ATTACKER_PY,
};

/** A build whose setup.py prints what it can see; pip shows that output when the (wheel-less) build then fails. */
function prober(dataDir: string, internalPort: number): Record<string, string> {
  const setup = [
    'import json, os',
    `paths = ${JSON.stringify(['server.key', 'ssh_host_ed25519_key', 'racetrack.db', 'admin-token'].map((f) => join(dataDir, f)))}`,
    'def attempt(fn):',
    '    try:',
    "        fn(); return 'ok'",
    '    except Exception as e:',
    "        return 'refused: ' + type(e).__name__",
    'def connect(port):',
    '    import socket',
    "    socket.create_connection(('127.0.0.1', port), timeout=3).close()",
    "reads = {p: attempt(lambda p=p: open(p, 'rb').read()) for p in paths}",
    "oom = open('/proc/self/oom_score_adj').read().strip()",
    `print('PROBE ' + json.dumps({'env': dict(os.environ), 'reads': reads, 'internal': attempt(lambda: connect(${internalPort})), 'uid': os.getuid(), 'oom': oom}))`,
    "raise SystemExit('probe done')",
  ].join('\n');
  return {
    'job.yaml': 'name: prober\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: p.py\n  requirements_path: requirements.txt\n'
      + 'build_env:\n  PIP_NO_BUILD_ISOLATION: "false"\n',
    'p.py': 'class P:\n    def perform(self):\n        return 1\n',
    'requirements.txt': './probe\n',
    'probe/setup.py': setup,
  };
}

function listen(host: string): Promise<{ server: Server; port: number; accepted: () => number }> {
  let count = 0;
  const server = createServer((s) => {
    count++;
    s.destroy();
  });
  return new Promise((resolve) => server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port, accepted: () => count })));
}

/** The host's IPv4 addresses off loopback, also of interfaces that are down (which node's networkInterfaces leaves out). */
async function hostAddresses(): Promise<string[]> {
  const r = await run('ip', ['-4', '-o', 'addr', 'show']);
  return [...r.stdout.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!).filter((a) => !a.startsWith('127.'));
}

function findFolderHolding(root: string, file: string): string {
  for (const d of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (d.isFile() && d.name === file) return d.parentPath;
  }
  throw new Error(`no ${file} under ${root}`);
}

interface Report {
  uid: number;
  oom_score_adj: string;
  oom_lower: string;
  env: Record<string, string>;
  files: Record<string, string>;
  dirs: Record<string, string>;
  environs: string[];
  processes: number[];
  kill_any: string;
  kill: Record<string, string>;
  ptrace: Record<string, string>;
  loopback: Record<string, string>;
  outbound: Record<string, string>;
  pub: string;
}

describe('local sandbox: a job cannot reach what is not its own', () => {
  let server: TestServer;
  let internal: Awaited<ReturnType<typeof listen>>;
  let outside: Awaited<ReturnType<typeof listen>>;
  let report: Report;
  let victimDir: string;
  let victimUpstream: number;

  before(async () => {
    internal = await listen('127.0.0.1');
    outside = await listen('0.0.0.0');
    server = await startTestServer({ env: { RACETRACK_TEST_MARKER: SERVER_MARKER, DB_PASSWORD: SERVER_MARKER } });
    // what a first start without RACETRACK_ADMIN_TOKEN writes; here the token came from the environment
    writeFileSync(join(server.dataDir, 'admin-token'), `${server.token}\n`, { mode: 0o600 });
    assert.equal((await server.ssh(`secrets set victim VICTIM_SECRET=${VICTIM_SECRET}`)).code, 0);
    for (const [name, files] of [['victim', VICTIM], ['attacker', ATTACKER]] as const) {
      const r = await pushSsh(server, await makeJobRepo(files), name);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await server.ssh('grant job:attacker victim call_job')).code, 0);
    victimDir = findFolderHolding(join(server.dataDir, 'builds'), 'victim.py');
    const info = JSON.parse((await server.ssh('jobs info victim --json')).stdout) as { upstreams: string[] };
    victimUpstream = Number(info.upstreams[0]!.split(':')[1]);

    const pidFiles = readdirSync(join(server.dataDir, 'run', 'local')).map((f) => Number(readFileSync(join(server.dataDir, 'run', 'local', f), 'utf8')));
    const pids = [...new Set([server.proc.pid!, process.pid, ...pidFiles, ...descendants(server.proc.pid!)])];
    const hosts = await hostAddresses();
    const r = await callJob(server, '/pub/job/attacker/latest/api/v1/perform', {
      body: {
        files: [
          ...['server.key', 'ssh_host_ed25519_key', 'racetrack.db', 'admin-token'].map((f) => join(server.dataDir, f)),
          join(victimDir, 'victim.py'), '/etc/shadow', `/proc/${server.proc.pid}/environ`,
        ],
        dirs: [server.dataDir, join(server.dataDir, 'builds'), victimDir, '/home'],
        pids,
        loopback_ports: [internal.port, victimUpstream, server.sshPort],
        outbound: hosts.map((h) => [h, outside.port]),
      },
    });
    assert.equal(r.status, 200, r.text);
    report = r.json as Report;
  });

  after(async () => {
    await server.cleanup();
    internal.server.close();
    outside.server.close();
  });

  test('the job runs as a uid of its own, not the server\'s', () => {
    assert.notEqual(report.uid, process.getuid!());
    const attackerDir = findFolderHolding(join(server.dataDir, 'builds'), 'attacker.py');
    assert.equal(lstatSync(attackerDir).uid, report.uid, 'its folder is handed to its uid');
    assert.notEqual(lstatSync(victimDir).uid, report.uid, 'another job holds another uid');
  });

  test('the data dir, another job\'s folder and host files are not there to read', () => {
    for (const [path, outcome] of Object.entries(report.files)) assert.match(outcome, /^refused: /, `${path}: ${outcome}`);
    assert.ok(existsSync(join(server.dataDir, 'server.key')), 'the files exist on the host');
    // its own folder is shown at its host path, so the folders above it exist, holding that path alone
    const ownBuild = relative(join(server.dataDir, 'builds'), findFolderHolding(join(server.dataDir, 'builds'), 'attacker.py')).split(sep)[0];
    const allowed: Record<string, string> = { [server.dataDir]: "ok: ['builds']", [join(server.dataDir, 'builds')]: `ok: ['${ownBuild}']` };
    for (const [dir, outcome] of Object.entries(report.dirs)) {
      if (outcome !== allowed[dir]) assert.match(outcome, /^refused: /, `${dir}: ${outcome}`);
    }
  });

  test('no environment but its own: not the server\'s, not another job\'s secrets, no admin token', () => {
    const everything = JSON.stringify([report.env, report.environs]);
    for (const secret of [SERVER_MARKER, VICTIM_SECRET, server.token]) assert.ok(!everything.includes(secret), `found ${secret.slice(0, 12)}…`);
    assert.equal(report.env.OWN_MARKER, 'attacker-own');
    assert.equal(report.env.HOME, '/tmp');
    assert.equal(report.env.RACETRACK_ADMIN_TOKEN, undefined);
  });

  test('no other process to see, signal or trace', () => {
    assert.ok(report.processes.length <= 3, `sees only its sandbox: ${report.processes.join(' ')}`);
    assert.match(report.kill_any, /^refused: ProcessLookupError/, 'kill(-1) finds no process to signal');
    for (const [pid, outcome] of Object.entries(report.kill)) assert.match(outcome, /^refused: /, `kill ${pid}: ${outcome}`);
    for (const [pid, outcome] of Object.entries(report.ptrace)) assert.match(outcome, /^refused: /, `ptrace ${pid}: ${outcome}`);
  });

  test('loopback ports are out of reach: another job\'s upstream, a port the host opened, the ssh port', async () => {
    for (const [port, outcome] of Object.entries(report.loopback)) assert.match(outcome, /^refused: /, `127.0.0.1:${port}: ${outcome}`);
    assert.equal(internal.accepted(), 0);
    assert.equal((await callJob(server, '/pub/job/victim/latest/api/v1/perform', { body: {} })).json, 'victim alive', 'the victim still serves');
  });

  test('when memory runs out the kernel kills the job, not the server: every job process starts first in line', () => {
    assert.equal(report.oom_score_adj, '1000');
    // the attack: put itself behind the server. The kernel lets a process go back down to 0 (the server's level, where
    // the larger process goes first), never below it without a capability the job lacks
    assert.match(report.oom_lower, /^refused: PermissionError/);
    assert.equal(readFileSync(`/proc/${server.proc.pid}/oom_score_adj`, 'utf8').trim(), '0', 'the server keeps its place');
  });

  test('another job is reachable through PUB_URL with the job\'s token', () => {
    assert.equal(report.pub, 'ok: victim alive');
  });

  test('outbound network works: a listener on the host\'s non-loopback address answers', () => {
    // the job's namespace holds a copy of the default route's address, so that one address is its own; the host's
    // other addresses (a docker bridge, a second interface) lead out of the namespace
    const reached = Object.entries(report.outbound).filter(([, o]) => o.startsWith('ok: '));
    assert.ok(reached.length > 0, JSON.stringify(report.outbound));
    assert.ok(outside.accepted() > 0);
  });

  test('a build sees only its build_env and build secrets: not the server\'s environment, files or loopback', async () => {
    assert.equal((await server.ssh(`secrets set prober BUILD_SECRET=${BUILD_SECRET} --build`)).code, 0);
    const r = await pushSsh(server, await makeJobRepo(prober(server.dataDir, internal.port)), 'prober');
    assert.notEqual(r.code, 0, 'the probe fails the build on purpose');
    const line = /PROBE (\{.*\})\s*$/m.exec(r.stderr);
    assert.ok(line, r.stderr);
    const probe = JSON.parse(line[1]!) as { env: Record<string, string>; reads: Record<string, string>; internal: string; uid: number; oom: string };
    assert.equal(probe.oom, '1000', 'a build is the OOM killer\'s first choice too');
    assert.equal(probe.env.BUILD_SECRET, BUILD_SECRET, 'build secrets reach the build');
    assert.equal(probe.env.PIP_NO_BUILD_ISOLATION, 'false', 'build_env reaches the build');
    assert.equal(probe.env.HOME, '/tmp');
    const everything = JSON.stringify(probe.env);
    for (const secret of [SERVER_MARKER, server.token]) assert.ok(!everything.includes(secret));
    assert.equal(probe.env.RACETRACK_ADMIN_TOKEN, undefined);
    for (const [path, outcome] of Object.entries(probe.reads)) assert.match(outcome, /^refused: /, `${path}: ${outcome}`);
    assert.match(probe.internal, /^refused: /);
    assert.notEqual(probe.uid, process.getuid!());
    assert.equal(internal.accepted(), 0);
  });
});

describe('local sandbox: a failed start-time check, and RACETRACK_LOCAL_SANDBOX=off', () => {
  const whoami = {
    'job.yaml': 'name: whoami\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: w.py\n',
    'w.py': 'import os\nclass W:\n    def perform(self):\n        return os.getuid()\n',
  };

  test('a host whose kernel refuses the namespaces: the server starts, a local deploy fails naming the cause and the fix', async () => {
    // a bwrap that answers as bwrap does where unprivileged user namespaces are off
    const bin = tempDir('rt-fake-bwrap-');
    chmodSync(bin, 0o755); // the job's uid runs it
    writeFileSync(join(bin, 'bwrap'), '#!/bin/sh\necho "bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces." >&2\nexit 1\n', { mode: 0o755 });
    const server = await startTestServer({ env: { PATH: `${bin}:${process.env.PATH}` } });
    try {
      assert.equal((await callJob(server, '/health', { token: null })).status, 200);
      const r = await pushSsh(server, await makeJobRepo(whoami), 'whoami');
      assert.notEqual(r.code, 0);
      const line = r.stderr.split('\n').find((l) => l.includes('local sandbox unavailable'));
      assert.match(line ?? r.stderr, /local sandbox unavailable: a trial sandbox failed: bwrap: No permissions to creating new namespace.*; fix: allow unprivileged user namespaces \(sysctl .*\), or set RACETRACK_LOCAL_SANDBOX=off/);
      assert.match(server.output(), /local sandbox unavailable, local deploys will fail/);
    } finally {
      await server.cleanup();
    }
  });

  test('root in a user namespace that maps no other uid (a rootless container): the server starts, a local deploy names the cause', async () => {
    // before: the start-time check's chown to the first sandbox uid threw EINVAL and the server did not start
    const server = await startTestServer({ wrapper: ['unshare', '-r'] });
    try {
      assert.equal((await callJob(server, '/health', { token: null })).status, 200);
      const r = await pushSsh(server, await makeJobRepo(whoami), 'whoami');
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /local sandbox unavailable: uid \d+ cannot own files here \(EINVAL: this user namespace does not map it\); fix: .*RACETRACK_LOCAL_SANDBOX_UIDS/);
    } finally {
      await server.cleanup();
    }
  });

  test('off: jobs run unconfined as before, and the server and every deploy say so', async () => {
    const server = await startTestServer({ env: { RACETRACK_LOCAL_SANDBOX: 'off' } });
    try {
      assert.match(server.output(), /RACETRACK_LOCAL_SANDBOX=off: local jobs and their builds run unconfined/);
      const r = await pushSsh(server, await makeJobRepo(whoami), 'whoami');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /RACETRACK_LOCAL_SANDBOX=off: this job and its build run unconfined/);
      assert.equal((await callJob(server, '/pub/job/whoami/latest/api/v1/perform', { body: {} })).json, process.getuid!());
    } finally {
      await server.cleanup();
    }
  });
});
