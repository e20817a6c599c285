// The server's SSH host key: generated once into the data dir, so clients can pin it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const { utils } = ssh2;
/**
 * ssh2 makes, about once in 256, an ed25519 pair its own parser refuses (the public key loses a leading zero byte):
 * such a pair is drawn again
 */
const MAX_DRAWS = 20;

export function loadHostKey(dataDir: string): Buffer {
  const path = join(dataDir, 'ssh_host_ed25519_key');
  if (!existsSync(path)) {
    const { privateKey, publicKey } = newHostKey();
    writeFileSync(path, privateKey, { mode: 0o600 });
    writeFileSync(`${path}.pub`, `${publicKey}\n`);
  }
  return readFileSync(path);
}

export function newHostKey(): { privateKey: string; publicKey: string } {
  for (let i = 0; i < MAX_DRAWS; i++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment: 'racetrack' });
    const parses = [pair.private, pair.public].every((key) => !(utils.parseKey(key) instanceof Error));
    if (parses) return { privateKey: pair.private, publicKey: pair.public };
  }
  throw new Error(`no usable ed25519 key pair in ${MAX_DRAWS} draws`);
}
