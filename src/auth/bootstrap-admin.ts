// First start: an admin user, its token (given or generated, written to DATA_DIR/admin-token) and its ssh key.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthService } from './auth-service.js';
import type { UserStore } from '../db/index.js';

export const ADMIN_EMAIL = 'admin@racetrack.local';

export interface BootstrapResult {
  /** set only when a token was generated now: printed once by the caller */
  generatedToken?: string;
}

export async function bootstrapAdmin(
  auth: AuthService,
  users: UserStore,
  opts: { dataDir: string; adminToken?: string; adminSshKey?: string },
): Promise<BootstrapResult> {
  if (users.count() > 0) return {};
  const admin = await auth.createUser(ADMIN_EMAIL, { admin: true });
  const result: BootstrapResult = {};
  if (opts.adminToken) {
    auth.adoptToken(`user:${admin.email}`, 'admin', opts.adminToken);
  } else {
    const { token } = auth.createToken(`user:${admin.email}`, 'admin');
    writeFileSync(join(opts.dataDir, 'admin-token'), `${token}\n`, { mode: 0o600 });
    result.generatedToken = token;
  }
  if (opts.adminSshKey) {
    const keyText = existsSync(opts.adminSshKey) ? readFileSync(opts.adminSshKey, 'utf8') : opts.adminSshKey;
    auth.addKey(admin.id, keyText, 'admin');
  }
  return result;
}
