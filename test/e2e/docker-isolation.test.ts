// Docker jobs attacked from inside, end to end: a job's process is not root, holds no capability and cannot gain one;
// a fork bomb stops at the pids limit while the server and other jobs keep serving; no job's container reaches
// another's, while the gateway and the outside stay reachable; and jobs named Adder, adder, ad_der and ad-der get
// their own containers and images, and pruning one job's images leaves the others'.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import Docker from 'dockerode';
import { dockerAvailable } from '../../src/deploy/docker/index.js';
import { JOB_NETWORK } from '../../src/deploy/docker/job-network.js';
import { callJob, commitAll, eventually, makeJobRepo, pushSsh, run, startTestServer, writeFile, type TestServer } from '../harness.js';
import { removeDeploymentContainers } from '../docker-exec.js';

const engine = await dockerAvailable();
const skip = engine ? false : 'skipped: no Docker engine';
const PIDS_LIMIT = 64;
/** the four names the job-name rule accepts that an older Racetrack mapped to two resource names */
const NAMES = ['Adder', 'adder', 'ad_der', 'ad-der'] as const;

/** a job that reports what its own process may do and tries what an attacker would */
const PROBE_PY = `
import os, socket, subprocess, sys

# every process forks for ever; only a pids limit stops it
BOMB = 'import os\\nwhile True:\\n    try:\\n        os.fork()\\n    except OSError:\\n        pass\\n'


def lower_oom():
    try:
        with open('/proc/self/oom_score_adj', 'w') as f:
            f.write('-1000')
        return 'lowered'
    except OSError as e:
        return e.strerror


class Probe:
    def perform(self, action: str, host: str = '', port: int = 0, content: str = ''):
        if action == 'whoami':
            status = dict(line.split(':', 1) for line in open('/proc/self/status') if ':' in line)
            try:
                os.setuid(0)
                setuid = 'became root'
            except OSError as e:
                setuid = e.strerror
            return {'uid': os.getuid(), 'euid': os.geteuid(), 'CapEff': status['CapEff'].strip(),
                    'oom_score_adj': open('/proc/self/oom_score_adj').read().strip(), 'oom_lower': lower_oom(),
                    'CapBnd': status['CapBnd'].strip(), 'NoNewPrivs': status['NoNewPrivs'].strip(), 'setuid0': setuid}
        if action == 'connect':
            try:
                socket.create_connection((host, port), timeout=3).close()
                return True
            except OSError:
                return False
        if action == 'fork_bomb':
            subprocess.Popen([sys.executable, '-c', BOMB])
            return 'started'
        return content
`;

interface JobInfo {
  status: string;
  deployment_id: string;
  upstreams: string[];
}

describe('docker isolation, attacked from inside a job', () => {
  const docker = new Docker();
  let server: TestServer;
  let outside: Server;
  const repos = new Map<string, string>();
  /** deployments this suite created, so their containers are removed even when a test fails */
  const deployments = new Set<string>();
  /** job name → the image its first version runs */
  const images = new Map<string, string>();
  /** the server's owner label: the images it built are removed after the suite */
  let owner: string | undefined;

  before(async () => {
    if (!engine) return;
    server = await startTestServer({ env: { RACETRACK_DOCKER_PIDS_LIMIT: String(PIDS_LIMIT), RACETRACK_DOCKER_IMAGE_RETENTION: '1' } });
    // stands for the outside world: a listener on the host's own address, not on any Docker bridge
    outside = createServer((s) => s.end());
    await new Promise<void>((resolve) => outside.listen(0, '0.0.0.0', resolve));
    for (const name of NAMES) {
      repos.set(name, await makeJobRepo({
        'job.yaml': `name: ${name}\nowner_email: sample@example.com\njobtype: python3\nversion: 0.0.1\njobtype_extra:\n  entrypoint_path: probe.py\n  entrypoint_class: Probe\nresources:\n  cpu_max: 500m\n`,
        'probe.py': PROBE_PY,
      }));
    }
  });

  after(async () => {
    if (!engine) return;
    await server.cleanup();
    outside.close();
    await removeDeploymentContainers(docker, deployments);
    for (const image of owner ? await docker.listImages({ filters: { label: [`racetrack.owner=${owner}`] } }) : []) {
      await docker.getImage(image.Id).remove({ force: true }).catch(() => {});
    }
  });

  const info = async (name: string, version = '0.0.1'): Promise<JobInfo> => {
    const r = await server.ssh(`jobs info ${name} ${version} --json`);
    assert.equal(r.code, 0, r.stderr);
    const job = JSON.parse(r.stdout) as JobInfo;
    deployments.add(job.deployment_id);
    return job;
  };
  const containerOf = async (name: string): Promise<Docker.ContainerInspectInfo> => {
    const { deployment_id: id } = await info(name);
    const [c] = await docker.listContainers({ all: true, filters: { label: [`racetrack.deployment=${id}`] } });
    return docker.getContainer(c!.Id).inspect();
  };
  const probe = (name: string, body: Record<string, unknown>) => callJob(server, `/pub/job/${name}/latest/api/v1/perform`, { body });
  const connects = async (from: string, host: string, port: number): Promise<boolean> => {
    const r = await probe(from, { action: 'connect', host, port });
    assert.equal(r.status, 200, `${from} → ${host}:${port}: ${r.text}`);
    return r.json as boolean;
  };
  /** asserts what a connection attempt from inside a job gives, naming the attempt and the host's fences when it fails */
  const expectConnect = async (from: string, host: string, port: number, expected: boolean): Promise<void> => {
    if (await connects(from, host, port) === expected) return;
    assert.fail(`${from} → ${host}:${port} should ${expected ? '' : 'not '}connect; ${await fenceDiagnostics()}`);
  };

  test('Adder, adder, ad_der and ad-der deploy side by side in their own containers from their own images', { skip }, async () => {
    for (const name of NAMES) {
      const r = await pushSsh(server, repos.get(name)!, name, ['-o', 'infra=docker']);
      assert.equal(r.code, 0, r.stderr);
      // any user who may read a job reads this log: it names no image the build made, by name or by id
      assert.doesNotMatch(r.stderr, /racetrack-job\/|---> [0-9a-f]{12}|Successfully (built|tagged)/);
    }
    const containers = await Promise.all(NAMES.map(containerOf));
    NAMES.forEach((name, i) => images.set(name, containers[i]!.Image));
    owner = containers[0]!.Config.Labels['racetrack.owner'];
    assert.equal(new Set(containers.map((c) => c.Name)).size, 4);
    assert.equal(new Set(containers.map((c) => c.Image)).size, 4);
    assert.equal(new Set(containers.map((c) => c.Config.Image.split(':')[0])).size, 4, containers.map((c) => c.Config.Image).join(' '));
    for (const name of NAMES) {
      const r = await probe(name, { action: 'echo', content: name });
      assert.equal(r.json, name, r.text);
    }
  });

  test('a job\'s process is not root, has no capabilities, cannot gain any, cannot become root, and dies first when memory runs out', { skip }, async () => {
    for (const name of NAMES) {
      const r = await probe(name, { action: 'whoami' });
      assert.equal(r.status, 200, r.text);
      const me = r.json as Record<string, unknown>;
      assert.notEqual(me.uid, 0);
      assert.notEqual(me.euid, 0);
      assert.match(String(me.CapEff), /^0+$/);
      assert.match(String(me.CapBnd), /^0+$/);
      assert.equal(me.NoNewPrivs, '1');
      assert.equal(me.setuid0, 'Operation not permitted');
      assert.equal(me.oom_score_adj, '1000', 'the OOM killer takes the job before the server');
      assert.equal(me.oom_lower, 'Permission denied', 'and the job cannot put itself behind the server');
    }
  });

  test('a job cannot build on another job\'s image to read its files: FROM it, COPY --from it, or FROM a layer by id', { skip }, async () => {
    const victim = await containerOf('adder');
    const ref = victim.Config.Image;
    const layerId = (await docker.getImage(ref).history())[1]!.Id.replace(/^sha256:/, '').slice(0, 12);
    assert.match(ref, /^racetrack-job\//);
    const attempts: [string, RegExp][] = [
      [`FROM ${ref}\nEXPOSE 7000\nCMD ["cat", "/src/probe.py"]\n`, /base image racetrack-job\/\S+: a job's image cannot be the base of another build/],
      [`FROM python:3.11-slim-bookworm\nCOPY --from=${ref} / /stolen\nEXPOSE 7000\n`, /base image racetrack-job\/\S+: a job's image cannot be the base of another build/],
      [`FROM ${layerId}\nEXPOSE 7000\n`, /base image [0-9a-f]{12}: name it by repository\[:tag\] or @digest, not by image id/],
    ];
    for (const [dockerfile, refused] of attempts) {
      const thief = await makeJobRepo({ 'job.yaml': 'name: thief\nowner_email: sample@example.com\njobtype: dockerfile\nversion: 0.0.1\n', Dockerfile: dockerfile });
      const r = await pushSsh(server, thief, 'thief', ['-o', 'infra=docker']);
      assert.notEqual(r.code, 0, dockerfile);
      assert.match(r.stderr, refused, dockerfile);
    }
    assert.equal((await server.ssh('jobs info thief --json')).code, 1, 'nothing of the thief was deployed');
  });

  test('no job reaches another job\'s container, while its gateway relay and the outside stay reachable', { skip }, async () => {
    const [a, b] = [await containerOf('adder'), await containerOf('ad-der')];
    const ip = (c: Docker.ContainerInspectInfo) => c.NetworkSettings.Networks[JOB_NETWORK]!.IPAddress;
    const hostPort = (c: Docker.ContainerInspectInfo) => Number(c.Config.Labels['racetrack.upstream']!.split(':')[1]);
    const relayPort = Number(new URL(a.Config.Env.find((e) => e.startsWith('PUB_URL='))!.slice('PUB_URL='.length)).port);
    for (const c of [a, b]) assert.deepEqual(Object.keys(c.NetworkSettings.Networks), [JOB_NETWORK]);
    // the probe works: each reaches its own port
    await expectConnect('adder', ip(a), 7000, true);
    await expectConnect('ad-der', ip(b), 7000, true);
    // the attacks: the other's container directly, or its published port through the host
    await expectConnect('adder', ip(b), 7000, false);
    await expectConnect('ad-der', ip(a), 7000, false);
    await expectConnect('adder', 'host.docker.internal', hostPort(b), false);
    await expectConnect('ad-der', 'host.docker.internal', hostPort(a), false);
    // what stays open: the pub relay, and addresses beyond the Docker bridges
    await expectConnect('adder', 'host.docker.internal', relayPort, true);
    await expectConnect('adder', hostAddress(), (outside.address() as { port: number }).port, true);
  });

  test('a remote deploy cannot send the server\'s git to a job\'s container (it would reach the job without a token)', { skip }, async () => {
    const b = await containerOf('ad-der');
    const ip = b.NetworkSettings.Networks[JOB_NETWORK]!.IPAddress;
    const res = await fetch(`${server.httpUrl}/lifecycle/api/v1/deploy`, {
      method: 'POST', headers: { 'x-racetrack-auth': server.token, 'content-type': 'application/json' },
      body: JSON.stringify({ manifest: { name: 'ssrf', jobtype: 'python3', git: { remote: `http://${ip}:7000/api/v1/perform?x=` }, jobtype_extra: { entrypoint_path: 'j.py' } } }),
    });
    const body = (await res.json()) as { error: string; details?: string[] };
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(body.error, `git.remote: ${ip} is an address remote deploys may not reach`);
    assert.match(body.details?.join('\n') ?? '', /^the Docker networks of jobs: .*\//m);
  });

  test('a local job reaches no docker job\'s container either: only the outside and the gateway', { skip }, async () => {
    const local = await makeJobRepo({
      'job.yaml': 'name: local-probe\nowner_email: sample@example.com\njobtype: python3\nversion: 0.0.1\njobtype_extra:\n  entrypoint_path: probe.py\n  entrypoint_class: Probe\n',
      'probe.py': PROBE_PY,
    });
    const r = await pushSsh(server, local, 'local-probe', ['-o', 'infra=local']);
    assert.equal(r.code, 0, r.stderr);
    const a = await containerOf('adder');
    const net = a.NetworkSettings.Networks[JOB_NETWORK]!;
    // the attacks: the container directly, or its published port through the bridge's host address
    await expectConnect('local-probe', net.IPAddress, 7000, false);
    await expectConnect('local-probe', net.Gateway, Number(a.Config.Labels['racetrack.upstream']!.split(':')[1]), false);
    // the host itself stays reachable on its bridge address, as on any other (here: a listener standing for the outside)
    await expectConnect('local-probe', net.Gateway, (outside.address() as { port: number }).port, true);
    assert.equal((await server.ssh('jobs delete local-probe --all')).code, 0);
  });

  test('a fork bomb stops at the pids limit while the server and the other jobs keep serving', { skip }, async () => {
    const bombed = await containerOf('Adder');
    // checked before the bomb: without a limit it would exhaust the host
    assert.equal(bombed.HostConfig.PidsLimit, PIDS_LIMIT);
    const r = await probe('Adder', { action: 'fork_bomb' });
    assert.equal(r.json, 'started', r.text);
    const container = docker.getContainer(bombed.Id);
    await eventually(async () => (await container.stats({ stream: false })).pids_stats?.current === PIDS_LIMIT);
    for (const name of ['adder', 'ad_der', 'ad-der']) assert.equal((await probe(name, { action: 'echo', content: 'still here' })).json, 'still here');
    assert.equal((await server.ssh('jobs list --json')).code, 0);
    assert.equal((await container.stats({ stream: false })).pids_stats?.current, PIDS_LIMIT);
    const removed = await server.ssh('jobs delete Adder --all');
    assert.equal(removed.code, 0, removed.stderr);
  });

  test('pruning ad_der\'s images (retention 1) keeps ad-der\'s, Adder\'s and adder\'s', { skip }, async () => {
    for (const name of ['ad-der', 'ad_der']) assert.equal((await server.ssh(`jobs delete ${name} --all`)).code, 0);
    const repo = repos.get('ad_der')!;
    writeFile(repo, 'probe.py', `${PROBE_PY}\n# 0.0.2\n`);
    writeFile(repo, 'job.yaml', `name: ad_der\nowner_email: sample@example.com\njobtype: python3\nversion: 0.0.2\njobtype_extra:\n  entrypoint_path: probe.py\n  entrypoint_class: Probe\n`);
    await commitAll(repo, '0.0.2');
    const r = await pushSsh(server, repo, 'ad_der', ['-o', 'infra=docker']);
    assert.equal(r.code, 0, r.stderr);
    deployments.add((await info('ad_der', '0.0.2')).deployment_id);
    const exists = (image: string) => docker.getImage(image).inspect().then(() => true, () => false);
    assert.equal(await exists(images.get('ad_der')!), false, 'ad_der\'s unused older image is pruned');
    for (const name of ['ad-der', 'Adder', 'adder']) assert.equal(await exists(images.get(name)!), true, `${name}'s image is kept`);
  });
});

/** What isolation rests on here, for a failure's message: bridged traffic seen by iptables, and the local jobs' fence. */
async function fenceDiagnostics(): Promise<string> {
  const bridged = await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').then((v) => v.trim(), () => 'absent (no br_netfilter)');
  const ipt = async (args: string[]) => {
    const r = await run('iptables', ['-w', ...args]);
    return r.code === 0 ? r.stdout.trim() : `failed: ${r.stderr.trim()}`;
  };
  return [`bridge-nf-call-iptables ${bridged}`, `uid ${process.getuid?.()}`, `RACETRACK-SANDBOX: ${await ipt(['-S', 'RACETRACK-SANDBOX'])}`,
    `FORWARD: ${await ipt(['-S', 'FORWARD'])}`].join('; ');
}

/** an IPv4 address of this host outside the Docker bridges: what a job reaches through NAT, like the outside */
function hostAddress(): string {
  const found = Object.entries(networkInterfaces())
    .filter(([name]) => !/^(docker|br-|veth)/.test(name))
    .flatMap(([, addrs]) => addrs ?? [])
    .find((a) => a.family === 'IPv4' && !a.internal);
  assert.ok(found, 'this host has an IPv4 address outside the Docker bridges');
  return found.address;
}
