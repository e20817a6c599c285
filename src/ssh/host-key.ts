// The server's SSH host key: generated once into the data dir, so clients can pin it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const { utils } = ssh2;
/** ssh2 makes, about once in 200, an ed25519 key its own parser then refuses: such a key is drawn again */
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
    if (!(utils.parseKey(pair.private) instanceof Error)) return { privateKey: pair.private, publicKey: pair.public };
  }
  throw new Error(`no usable ed25519 host key in ${MAX_DRAWS} draws`);
}
