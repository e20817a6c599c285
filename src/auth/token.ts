// Tokens: 32 random bytes, shown once; only their SHA-256 is stored (they are high-entropy, so a fast hash is enough).
import { hash, randomBytes } from 'node:crypto';

/** `rt_…` for people and ESCs, `rtj_…` for job families */
export function generateToken(prefix = 'rt'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  // the one-shot form: the gateway hashes a token per call, and a Hash object per call costs more than the digest
  return hash('sha256', token, 'hex');
}
