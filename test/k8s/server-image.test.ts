// scripts/build-server-image.sh builds the image deploy/kubernetes runs, offline, and that image serves: as the
// manifests' uid (not root), with the data dir in /data, HTTP and SSH answering, the image builder's engine reached
// through DOCKER_HOST on a shared socket as the pod's sidecar offers it, and a clean stop on SIGTERM.
// The sidecar's own dockerd cannot run here (privileged containers are refused on these machines), so this test lends
// the server the test engine's socket in its place, with the socket's group added as the pod gives it (--group).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { dockerAvailable } from '../../src/deploy/docker/index.js';
import { ROOT, run, waitFor } from '../harness.js';

const engine = await dockerAvailable();
const skip = engine ? false : 'skipped: no Docker engine';
const SERVER_IMAGE = 'racetrack-test/server:image-test';
const ENGINE_IMAGE = 'racetrack-test/docker-engine:image-test';
const SOCKET = '/var/run/docker.sock';

describe('the server image (scripts/build-server-image.sh)', { skip }, () => {
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
    const version = await run('docker', ['run', '--rm', ENGINE_IMAGE, 'dockerd', '--version']);
    assert.match(version.stdout, /^Docker version/, version.stderr);
  });

  test('SIGTERM stops the server cleanly, as a pod\'s termination does', async () => {
    const stopped = await run('docker', ['stop', '--time', '20', container]);
    assert.equal(stopped.code, 0, stopped.stderr);
    const state = JSON.parse((await run('docker', ['inspect', '--format', '{{json .State}}', container])).stdout) as { ExitCode: number };
    assert.equal(state.ExitCode, 0, (await run('docker', ['logs', '--tail', '20', container])).stderr);
  });
});
