// API tokens: 32 random bytes, shown once; only their SHA-256 is stored (they are high-entropy, so a fast hash is enough).
import { createHash, createHmac, randomBytes } from 'node:crypto';

export function generateToken(): string {
  return `rt_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A job family's token, derived from the server key so it is never stored yet survives restarts. */
export function deriveJobToken(serverKey: Buffer, jobName: string): string {
  return `rtj_${createHmac('sha256', serverKey).update(`job:${jobName}`).digest('base64url')}`;
}
