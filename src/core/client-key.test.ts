// Limits count per client: an IPv4 address, or an IPv6 /64 (one host may use any address in it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientKey } from './client-key.js';

test('an IPv4 address is its own client, also as a dual-stack listener sees it', () => {
  assert.equal(clientKey('203.0.113.7'), '203.0.113.7');
  assert.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(clientKey('::FFFF:cb00:7107'), '203.0.113.7');
  assert.equal(clientKey('0:0:0:0:0:ffff:127.0.0.1'), '127.0.0.1');
});

test('IPv6 addresses in one /64 are one client, however they are written', () => {
  const key = '2001:db8:0:7::/64';
  for (const a of ['2001:db8:0:7::1', '2001:db8::7:0:0:0:2', '2001:0DB8:0000:0007:ffff:ffff:ffff:ffff', '2001:db8:0:7:a:b:1.2.3.4', '2001:db8:0:7::9%eth0']) {
    assert.equal(clientKey(a), key, a);
  }
  assert.notEqual(clientKey('2001:db8:0:8::1'), key, 'the next /64 is another client');
  assert.equal(clientKey('::1'), '0:0:0:0::/64');
  assert.equal(clientKey('fe80::1%lo'), 'fe80:0:0:0::/64');
  assert.equal(clientKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64', 'NAT64 is not IPv4-mapped');
});

test('what is no address stays as it is, and nothing is one client', () => {
  assert.equal(clientKey(undefined), '?');
  assert.equal(clientKey(''), '?');
  assert.equal(clientKey('not an address'), 'not an address');
  assert.equal(clientKey(clientKey('2001:db8::1')), '2001:db8:0:0::/64', 'a key maps to itself');
});
