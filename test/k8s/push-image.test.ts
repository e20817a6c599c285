// The push to a registry that wants a login (Debian's docker-registry with htpasswd auth): refused without the login,
// in one line naming the registry and the authentication; accepted with it, named by digest; the password is in no
// error. The image is a one-file image imported for the test, so the push is quick.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import { readJsonLines } from '../../src/core/read-json-lines.js';
import { pushImage } from '../../src/deploy/kubernetes/push-image.js';
import { startRegistry, type TestRegistry } from './image-registry.js';
import { standInSkip } from './stand-in-cluster.js';

const skip = await standInSkip();
const LOGIN = { username: 'pusher', password: 'pw-not-in-any-log-7c1f' };
const IMAGE = 'racetrack-test/push-auth:1';

describe('pushing job images to a registry that wants a login', { skip }, () => {
  const docker = new Docker();
  let registry: TestRegistry;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rt-push-auth-'));
    writeFileSync(join(dir, 'hello'), 'hello\n');
    const tar = join(dir, 'rootfs.tar');
    const made = spawnSync('tar', ['-cf', tar, '-C', dir, 'hello']);
    assert.equal(made.status, 0, String(made.stderr));
    const [repo, tag] = IMAGE.split(':') as [string, string];
    for await (const event of readJsonLines(await docker.importImage(tar, { repo, tag }))) assert.equal(event.error, undefined);
    registry = await startRegistry({ login: LOGIN });
  });

  after(async () => {
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without the login the push fails in one line naming the registry and the authentication', async () => {
    const e = await pushImage(docker, IMAGE, registry.address).then(() => undefined, (err: Error) => err);
    assert.ok(e, 'the push was accepted without a login');
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, new RegExp(`to ${registry.address.replace(/\./g, '\\.')} failed: .*authentication`));
  });

  test('a wrong password is refused, and the password is in no error', async () => {
    const wrong = { ...LOGIN, password: `${LOGIN.password}-wrong` };
    const e = await pushImage(docker, IMAGE, registry.address, wrong).then(() => undefined, (err: Error) => err);
    assert.ok(e, 'the push was accepted with a wrong password');
    assert.match(e.message, /authentication/);
    assert.ok(!e.message.includes(LOGIN.password));
  });

  test('with the login the push is accepted and named by digest', async () => {
    const pushed = await pushImage(docker, IMAGE, registry.address, LOGIN);
    assert.match(pushed, new RegExp(`^${registry.address}/racetrack-test/push-auth@sha256:[0-9a-f]{64}$`));
  });
});
