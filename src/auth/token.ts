// Tokens: 32 random bytes, shown once; only their SHA-256 is stored (they are high-entropy, so a fast hash is enough).
import { createHash, randomBytes } from 'node:crypto';

/** `rt_…` for people and ESCs, `rtj_…` for job families */
export function generateToken(prefix = 'rt'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
