// scripts/build-server-image.sh builds the image deploy/kubernetes runs, offline, and that image serves: as the
// manifests' uid (not root), with the data dir in /data, HTTP and SSH answering, the image builder's engine reached
// through DOCKER_HOST on a shared socket as the pod's sidecar offers it, and a clean stop on SIGTERM.
// The sidecar's own dockerd cannot run here (privileged containers are refused on these machines), so this test lends
// the server the test engine's socket in its place, with the socket's group added as the pod gives it (--group).
// The sidecar's fence (deploy/kubernetes/engine/fence-builds.sh) is run from its image on this host's own engine, and
// attacked from a container there: a network namespace on a veth stands for the cluster's pods.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { dockerAvailable } from '../../src/deploy/docker/index.js';
import { ROOT, run, waitFor } from '../harness.js';

const engine = await dockerAvailable();
const skip = engine ? false : 'skipped: no Docker engine';
const SERVER_IMAGE = 'racetrack-test/server:image-test';
const ENGINE_IMAGE = 'racetrack-test/docker-engine:image-test';
const SOCKET = '/var/run/docker.sock';

describe('the server and engine images (scripts/build-server-image.sh)', { skip }, () => {
  const container = `rt-server-image-${process.pid}`;
  let httpUrl = '';
  let sshPort = 0;
  before(async () => {
    const built = await run('bash', [join(ROOT, 'scripts', 'build-server-image.sh'), SERVER_IMAGE, ENGINE_IMAGE]);
    assert.equal(built.code, 0, built.stdout + built.stderr);
    const started = await run('docker', ['run', '-d', '--name', container,
      '-v', `${SOCKET}:/run/racetrack-docker/docker.sock`, '--group-add', String(statSync(SOCKET).gid),
      '-e', 'DOCKER_HOST=unix:///run/racetrack-docker/docker.sock',
      '-p', '127.0.0.1::7002', '-p', '127.0.0.1::2222', SERVER_IMAGE]);
    assert.equal(started.code, 0, started.stderr);
    const port = async (p: number) => Number((await run('docker', ['port', container, `${p}/tcp`])).stdout.trim().split(':').pop());
    httpUrl = `http://127.0.0.1:${await port(7002)}`;
    sshPort = await port(2222);
    // curl, not fetch: until the server listens, docker's port proxy takes the connection and holds it, and a fetch
    // waiting on it keeps nothing alive in node's event loop
    await waitFor('the server in the image answers /health', async () => (await run('curl', ['-sf', '-m', '2', `${httpUrl}/health`])).code === 0 || undefined, 60_000)
      .catch(async (e: Error) => assert.fail(`${e.message}\n${(await run('docker', ['logs', container])).stderr}`));
  });
  after(async () => {
    await run('docker', ['rm', '-f', container]);
    await run('docker', ['rmi', SERVER_IMAGE, ENGINE_IMAGE]);
  });

  test('it runs as uid 10001 with its data in /data, and says it is racetrack', async () => {
    const health = await (await fetch(`${httpUrl}/health`)).json() as Record<string, unknown>;
    assert.equal(health.service, 'racetrack');
    assert.equal(health.status, 'pass');
    const who = await run('docker', ['exec', container, 'sh', '-c', 'id -u; ls -A /data']);
    const [uid, ...files] = who.stdout.trim().split('\n');
    assert.equal(uid, '10001');
    assert.ok(files.some((f) => f.endsWith('.db')), `the database is in /data: ${files.join(' ')}`);
  });

  test('the image builder\'s engine is reached through DOCKER_HOST: the docker target is offered', async () => {
    const info = await (await fetch(`${httpUrl}/lifecycle/api/v1/info`)).json() as { infrastructure_targets: string[] };
    assert.ok(info.infrastructure_targets.includes('docker'), JSON.stringify(info));
  });

  test('SSH answers on its port, and git is in the image for pushes', async () => {
    const banner = await new Promise<string>((resolve, reject) => {
      const s = connect(sshPort, '127.0.0.1');
      s.once('data', (b: Buffer) => {
        resolve(b.toString());
        s.destroy();
      });
      s.on('error', reject);
    });
    assert.match(banner, /^SSH-2\.0-/);
    assert.match((await run('docker', ['exec', container, 'git', '--version'])).stdout, /^git version/);
  });

  test('the engine sidecar\'s image holds Debian\'s dockerd', async () => {
    const version = await run('docker', ['run', '--rm', '--entrypoint', 'dockerd', ENGINE_IMAGE, '--version']);
    assert.match(version.stdout, /^Docker version/, version.stderr);
  });

  test('the engine image fences before dockerd starts: by default every private, shared and link-local range and all of IPv6, set twice the same', async () => {
    // its own network namespace (--network none): the rules land there, not on this host
    const fenced = await run('docker', ['run', '--rm', '--cap-add', 'NET_ADMIN', '--network', 'none', '--entrypoint', 'sh', ENGINE_IMAGE, '-c',
      'racetrack-fence-builds >/dev/null && racetrack-fence-builds && iptables -S RACETRACK-BUILDS && iptables -S DOCKER-USER && echo v6 && ip6tables -S']);
    assert.equal(fenced.code, 0, fenced.stderr);
    const [v4, v6 = ''] = fenced.stdout.split('\nv6\n');
    const rules = v4!.split('\n').filter((l) => l.startsWith('-A '));
    const rejected = (bridge: string) => rules.filter((r) => r.includes(`-i ${bridge} `) && r.includes('-j REJECT')).map((r) => r.split(' ')[3]);
    const ranges = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'];
    assert.deepEqual(rejected('docker0'), ranges, fenced.stdout);
    assert.deepEqual(rejected('br-+'), ranges, fenced.stdout);
    assert.deepEqual(rules.filter((r) => r.startsWith('-A DOCKER-USER')), ['-A DOCKER-USER -j RACETRACK-BUILDS'], 'one jump, however often it runs');
    assert.deepEqual(v6.split('\n').filter((l) => l.startsWith('-A ')), [
      '-A FORWARD -j DOCKER-USER',
      '-A DOCKER-USER -j RACETRACK-BUILDS',
      '-A RACETRACK-BUILDS -i docker0 -m conntrack --ctstate NEW -j REJECT --reject-with icmp6-adm-prohibited',
      '-A RACETRACK-BUILDS -i br-+ -m conntrack --ctstate NEW -j REJECT --reject-with icmp6-adm-prohibited',
    ], v6);
    const entrypoint = JSON.parse((await run('docker', ['image', 'inspect', '--format', '{{json .Config.Entrypoint}}', ENGINE_IMAGE])).stdout) as string[];
    assert.deepEqual(entrypoint, ['racetrack-engine']);
  });

  test('no fence, no engine: without the right to set rules the sidecar exits with the cause and dockerd never runs', async () => {
    const started = await run('docker', ['run', '--rm', '--network', 'none', ENGINE_IMAGE, '--version']);
    assert.notEqual(started.code, 0);
    assert.match(started.stderr, /^fence-builds: iptables .* failed$/m);
    assert.doesNotMatch(started.stdout, /Docker version/);
  });

  test('a build step reaches no pod address once fenced, over IPv4 or IPv6, while allowed addresses, the outside and the engine\'s host stay reachable', async (t) => {
    const net = await fakeClusterNetwork();
    t.after(net.remove);
    // dockerd gives no IPv6 unless told to: a network that has it, as a build would use on an engine told to
    const v6net = `rt-fence6-${process.pid}`;
    const made = await run('docker', ['network', 'create', '--ipv6', '--subnet', 'fd00:213:78::/64', v6net]);
    assert.equal(made.code, 0, made.stderr);
    t.after(async () => void (await run('docker', ['network', 'rm', v6net])));
    const host = createServer((s) => s.end());
    await new Promise<void>((resolve) => host.listen(0, '0.0.0.0', resolve));
    t.after(() => host.close());
    const targets: Record<string, [string, number]> = {
      pod: [net.pod, net.port], mirror: [net.mirror, net.port], outside: [net.outside, net.port],
      engineHost: [await bridgeGateway(), (host.address() as AddressInfo).port],
    };
    // a container on the engine's default bridge, as a build step runs: which of the targets it can open
    const probe = async (network: string, targets: Record<string, [string, number]>) => {
      const probes = Object.entries(targets).map(([name, [host, port]]) => `timeout 3 bash -c 'exec 3<>/dev/tcp/${host}/${port}' 2>/dev/null && echo ${name}=open || echo ${name}=closed`);
      const r = await run('docker', ['run', '--rm', '--network', network, '--entrypoint', 'bash', ENGINE_IMAGE, '-c', probes.join('; ')]);
      assert.equal(r.code, 0, r.stderr);
      return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('=')));
    };
    const reach = async () => ({ ...(await probe('bridge', targets)), ...(await probe(v6net, { pod6: [net.pod6, net.port] })) });
    // the attack works without the fence: a build step opens a pod's port directly
    assert.deepEqual(await reach(), { pod: 'open', mirror: 'open', outside: 'open', engineHost: 'open', pod6: 'open' });
    const chain = `RT-FENCE-TEST-${process.pid}`;
    // the fence adds IPv6's DOCKER-USER and FORWARD's jump to it where they are missing: this host's are put back as found
    const hadV6User = (await run('ip6tables', ['-w', '-S', 'FORWARD'])).stdout.includes('-j DOCKER-USER');
    t.after(async () => {
      for (const tool of ['iptables', 'ip6tables']) {
        await run(tool, ['-w', '-D', 'DOCKER-USER', '-j', chain]);
        await run(tool, ['-w', '-F', chain]);
        await run(tool, ['-w', '-X', chain]);
      }
      if (!hadV6User) {
        await run('ip6tables', ['-w', '-D', 'FORWARD', '-j', 'DOCKER-USER']);
        await run('ip6tables', ['-w', '-X', 'DOCKER-USER']);
      }
    });
    const fence = await run('docker', ['run', '--rm', '--network', 'host', '--cap-add', 'NET_ADMIN', '--cap-add', 'NET_RAW',
      '-e', `RACETRACK_ENGINE_FENCE_CHAIN=${chain}`, '-e', `RACETRACK_ENGINE_BLOCKED_CIDRS=${net.cidr}`, '-e', `RACETRACK_ENGINE_ALLOWED_CIDRS=${net.mirror}/32`,
      '--entrypoint', 'racetrack-fence-builds', ENGINE_IMAGE]);
    assert.equal(fence.code, 0, fence.stderr);
    assert.deepEqual(await reach(), { pod: 'closed', mirror: 'open', outside: 'open', engineHost: 'open', pod6: 'closed' });
  });

  test('SIGTERM stops the server cleanly, as a pod\'s termination does', async () => {
    const stopped = await run('docker', ['stop', '--time', '20', container]);
    assert.equal(stopped.code, 0, stopped.stderr);
    const state = JSON.parse((await run('docker', ['inspect', '--format', '{{json .State}}', container])).stdout) as { ExitCode: number };
    assert.equal(state.ExitCode, 0, (await run('docker', ['logs', '--tail', '20', container])).stderr);
  });
});

/**
 * A network namespace on a veth from this host, standing for the cluster: a pod (10.213.77.2, and fd00:213:77::2 for an
 * IPv6 cluster) and an in-cluster mirror (10.213.77.3) in a private range, and an outside address (198.51.100.2), all
 * with a listener on one port.
 */
async function fakeClusterNetwork() {
  const ns = `rtfence${process.pid}`;
  const [hostEnd, nsEnd] = [`rtfh${process.pid}`, `rtfn${process.pid}`];
  const port = 7000;
  const steps = [
    ['netns', 'add', ns],
    ['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd],
    ['link', 'set', nsEnd, 'netns', ns],
    ['addr', 'add', '10.213.77.1/24', 'dev', hostEnd],
    ['-6', 'addr', 'add', 'fd00:213:77::1/64', 'dev', hostEnd, 'nodad'],
    ['link', 'set', hostEnd, 'up'],
    ...['10.213.77.2/24', '10.213.77.3/24', '198.51.100.2/24'].map((a) => ['-n', ns, 'addr', 'add', a, 'dev', nsEnd]),
    ['-n', ns, '-6', 'addr', 'add', 'fd00:213:77::2/64', 'dev', nsEnd, 'nodad'],
    ['-n', ns, 'link', 'set', nsEnd, 'up'],
    ['-n', ns, 'route', 'add', 'default', 'via', '10.213.77.1'],
    ['-n', ns, '-6', 'route', 'add', 'default', 'via', 'fd00:213:77::1'],
    ['route', 'add', '198.51.100.0/24', 'via', '10.213.77.2'],
  ];
  const remove = async () => {
    listener?.kill();
    await run('ip', ['link', 'del', hostEnd]);
    await run('ip', ['netns', 'del', ns]);
  };
  let listener: ChildProcess | undefined;
  for (const step of steps) {
    const r = await run('ip', step);
    if (r.code !== 0) {
      await remove();
      assert.fail(`ip ${step.join(' ')}: ${r.stderr}`);
    }
  }
  listener = spawn('ip', ['netns', 'exec', ns, 'python3', '-c',
    `import socket\ns = socket.create_server(('::', ${port}), family=socket.AF_INET6, dualstack_ipv6=True)\nprint('listening', flush=True)\nwhile True:\n    s.accept()[0].close()`]);
  await new Promise<void>((resolve, reject) => {
    listener!.stdout!.once('data', () => resolve());
    listener!.once('exit', (code) => reject(new Error(`the listener in ${ns} exited with ${code}`)));
  });
  return { cidr: '10.213.77.0/24', pod: '10.213.77.2', pod6: 'fd00:213:77::2', mirror: '10.213.77.3', outside: '198.51.100.2', port, remove };
}

/** the host's address on the engine's default bridge, where a build step's container has its default route */
async function bridgeGateway(): Promise<string> {
  const r = await run('docker', ['network', 'inspect', 'bridge', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}']);
  const gateway = r.stdout.trim().split(' ').find((a) => a.includes('.'));
  assert.ok(gateway, `the default bridge has an IPv4 gateway: ${r.stdout}${r.stderr}`);
  return gateway;
}
