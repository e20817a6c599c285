// The server's own secret (DATA_DIR/server.key, 0600): derives job family tokens, encrypts secrets at rest.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export function loadServerKey(dataDir: string): Buffer {
  const path = join(dataDir, 'server.key');
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600 });
  return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
}
