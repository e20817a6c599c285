import { test } from 'node:test';
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import { newHostKey } from './host-key.js';

test('every key pair made parses, both halves, and the public half is the private key\'s (ssh2 alone fails about once in 256)', () => {
  for (let i = 0; i < 2000; i++) {
    const { privateKey, publicKey } = newHostKey();
    const [priv, pub] = [ssh2.utils.parseKey(privateKey), ssh2.utils.parseKey(publicKey)];
    assert.ok(!(priv instanceof Error) && !(pub instanceof Error), `pair ${i} does not parse: ${publicKey}`);
    assert.ok((priv as ssh2.ParsedKey).getPublicSSH().equals((pub as ssh2.ParsedKey).getPublicSSH()), `pair ${i}: the halves differ`);
  }
});
