// An SSH public-key attempt, judged against the keys users registered: the key must be one of an active user's,
// byte for byte, and, when the client signs, the signature must verify with it.
import { timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { User, UserStore } from '../db/index.js';
import { fingerprintOf } from './parse-public-key.js';

export interface SshKeyAttempt {
  /** the public key blob the client offered */
  key: Buffer;
  /** absent when the client only asks whether the key would do */
  signature?: Buffer;
  /** what was signed */
  blob?: Buffer;
  hashAlgo?: string;
}

/** `refused`; `acceptable` (no signature yet: the client may go on and prove it); or the user it proved to be. */
export type SshKeyVerdict = 'refused' | 'acceptable' | { user: User };

export function verifySshKey(users: Pick<UserStore, 'keyByFingerprint' | 'byId'>, attempt: SshKeyAttempt): SshKeyVerdict {
  const stored = users.keyByFingerprint(fingerprintOf(attempt.key));
  const user = stored && users.byId(stored.userId);
  if (!stored || !user?.isActive) return 'refused';
  const parsed = ssh2.utils.parseKey(stored.publicKey);
  if (parsed instanceof Error || Array.isArray(parsed)) return 'refused';
  const known = parsed.getPublicSSH();
  if (known.length !== attempt.key.length || !timingSafeEqual(known, attempt.key)) return 'refused';
  if (!attempt.signature) return 'acceptable';
  return parsed.verify(attempt.blob!, attempt.signature, attempt.hashAlgo) === true ? { user } : 'refused';
}
