import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { networkArgv, normalizeMounts, sandboxArgv, type SandboxHost } from './sandbox-argv.js';

const host = (privileged: boolean): SandboxHost => ({
  tools: { unshare: '/usr/bin/unshare', sh: '/bin/sh', setpriv: '/usr/bin/setpriv', pasta: '/usr/bin/pasta', bwrap: '/usr/bin/bwrap' },
  privileged,
  stageDir: '/run/racetrack-sandbox',
  systemPaths: ['/usr', '/etc/resolv.conf'],
  systemLinks: [{ path: '/bin', target: 'usr/bin' }],
});
const spec = { uid: 2000000001, gid: 2000000001, mounts: [{ path: '/tmp', writable: true }], cwd: '/tmp', outboundPorts: [7002], cmd: '/usr/bin/true', args: [] };
const after = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

test('mounts: parents first; a path inside one of the same or wider access is dropped; writable inside read-only stays', () => {
  assert.deepEqual(normalizeMounts([
    { path: '/a/b/c', writable: true }, { path: '/a' }, { path: '/a/b' }, { path: '/a' }, { path: '/ab' },
  ]), [{ path: '/a' }, { path: '/ab' }, { path: '/a/b/c', writable: true }]);
  assert.throws(() => normalizeMounts([{ path: 'relative' }]), /not an absolute path/);
});

test('a server that is not root: no uid switch, no staging; bwrap makes every namespace, the network too', () => {
  const argv = sandboxArgv(spec, host(false));
  assert.deepEqual(argv.slice(0, 4), ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--']);
  assert.ok(argv.includes('--unshare-all') && !argv.includes('--share-net'), 'its own network namespace');
  // --dev would need a second user namespace, owning none of the others, which pasta could not join
  assert.ok(!argv.includes('--dev'));
  assert.equal(after(argv, '--uid'), '2000000001');
  assert.equal(argv[argv.indexOf('/usr') - 1], '--ro-bind');
  assert.equal(argv[argv.indexOf('/tmp', argv.indexOf('--bind')) - 1], '--bind', 'the job folder is writable');
  assert.deepEqual(argv.slice(-2), ['--', '/usr/bin/true']);
});

test('a root server switches to the job\'s uid and stages only what that uid cannot reach', () => {
  const hidden = mkdtempSync(join(tmpdir(), 'rt-hidden-')); // mkdtemp: 0700
  const job = join(hidden, 'builds', 'job');
  mkdirSync(job, { recursive: true });
  const argv = sandboxArgv({ ...spec, mounts: [{ path: job, writable: true }], cwd: job }, host(true));
  assert.equal(argv[0], '/usr/bin/unshare');
  const staged = argv.slice(argv.indexOf('/run/racetrack-sandbox') + 1, argv.indexOf('--', argv.indexOf('/run/racetrack-sandbox')));
  assert.deepEqual(staged, [job], 'only the job folder, not /usr');
  const setpriv = argv.indexOf('/usr/bin/setpriv');
  assert.deepEqual(argv.slice(setpriv + 1, setpriv + 6), ['--reuid', '2000000001', '--regid', '2000000001', '--clear-groups']);
  assert.equal(argv[argv.indexOf(job, setpriv) - 1], `/run/racetrack-sandbox${job}`, 'bwrap binds the staged copy');
  assert.equal(argv[argv.indexOf('/usr', setpriv) - 1], '--ro-bind', 'and the rest from the host');
  assert.equal(sandboxArgv(spec, host(true))[0], '/usr/bin/setpriv', 'nothing to stage: no mount namespace of root');
});

test('the network forwards only the given loopback ports out, nothing in, and joins the sandbox\'s namespaces', () => {
  const argv = networkArgv(spec, host(true), 4242);
  for (const [flag, value] of [['--tcp-ports', 'none'], ['--udp-ports', 'none'], ['--udp-ns', 'none'], ['--tcp-ns', '7002'],
    ['--userns', '/proc/4242/ns/user'], ['--netns', '/proc/4242/ns/net'], ['--reuid', '2000000001']]) {
    assert.equal(after(argv, flag!), value, flag);
  }
  assert.ok(argv.includes('--no-map-gw'), 'the gateway address does not lead to the host');
  assert.equal(after(networkArgv({ ...spec, outboundPorts: [] }, host(false), 1), '--tcp-ns'), 'none');
});
