import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkedRemoteAddresses, DEFAULT_DENIED_NETWORKS, parseDeniedNetworks } from './remote-address.js';

const defaults = parseDeniedNetworks('RACETRACK_REMOTE_DENIED_NETWORKS', DEFAULT_DENIED_NETWORKS);

test('by default a remote may not be the server\'s loopback, 0.0.0.0 or a link-local metadata service, in any spelling', async () => {
  // 2130706433, 127.1 and 0x7f.0.0.1 are 127.0.0.1 to the resolver: an ssh:// URL's host reaches here unnormalised
  for (const host of ['127.0.0.1', '127.8.9.10', '0.0.0.0', '169.254.169.254', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', 'fe80::1', 'localhost', '2130706433', '127.1', '0x7f.0.0.1']) {
    await assert.rejects(checkedRemoteAddresses(host, defaults), /^BadRequestError: git\.remote: .* remote deploys may not reach$/, host);
  }
  const err = await checkedRemoteAddresses('localhost', defaults).catch((e: { message: string; details: string[] }) => e);
  assert.match((err as { message: string }).message, /^git\.remote: localhost is at (127\.0\.0\.1|::1), an address remote deploys may not reach$/);
  assert.deepEqual((err as { details: string[] }).details, [`RACETRACK_REMOTE_DENIED_NETWORKS: ${DEFAULT_DENIED_NETWORKS}`]);
});

test('private and public addresses stay allowed by default (a company\'s git server is often on 10.x)', async () => {
  for (const host of ['10.1.2.3', '192.168.0.10', '172.20.0.5', '192.0.2.2', '2001:db8::1']) {
    assert.deepEqual(await checkedRemoteAddresses(host, defaults), [host]);
  }
});

test('the setting replaces the defaults: empty denies nothing, a list denies what it names', async () => {
  assert.ok((await checkedRemoteAddresses('localhost', parseDeniedNetworks('S', ''))).length > 0);
  const corporate = parseDeniedNetworks('S', '10.0.0.0/8, 127.0.0.0/8');
  await assert.rejects(checkedRemoteAddresses('10.9.9.9', corporate), /may not reach/);
  assert.deepEqual(await checkedRemoteAddresses('192.168.1.1', corporate), ['192.168.1.1']);
});

test('a bad network in the setting is refused at start, naming the setting and the entry', () => {
  for (const bad of ['10.0.0.0', '10.0.0.0/33', 'example.com/8', '::1/129', '10.0.0.0/8/1']) {
    assert.throws(() => parseDeniedNetworks('RACETRACK_REMOTE_DENIED_NETWORKS (--remote-denied-networks)', bad),
      new RegExp(`^UsageError: RACETRACK_REMOTE_DENIED_NETWORKS \\(--remote-denied-networks\\): "${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" is not a network`));
  }
});

test('a host that does not resolve is refused naming it', async () => {
  await assert.rejects(checkedRemoteAddresses('no-such-host.invalid', defaults), /^BadRequestError: git\.remote: no-such-host\.invalid does not resolve/);
});
