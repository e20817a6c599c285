// The server's SSH host key: generated once into the data dir, so clients can pin it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const { utils } = ssh2;

export function loadHostKey(dataDir: string): Buffer {
  const path = join(dataDir, 'ssh_host_ed25519_key');
  if (!existsSync(path)) {
    const { private: privateKey, public: publicKey } = utils.generateKeyPairSync('ed25519', { comment: 'racetrack' });
    writeFileSync(path, privateKey, { mode: 0o600 });
    writeFileSync(`${path}.pub`, `${publicKey}\n`);
  }
  return readFileSync(path);
}
