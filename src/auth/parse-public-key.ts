// An OpenSSH public key line (`ssh-ed25519 AAAA… comment`), checked and fingerprinted like ssh-keygen -l.
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

const { utils } = ssh2;
import { BadRequestError } from '../core/errors.js';

export interface PublicKey {
  type: string;
  /** the canonical `TYPE BASE64` line, without the comment */
  line: string;
  comment: string;
  /** `SHA256:…` as ssh-keygen prints it */
  fingerprint: string;
}

export function parsePublicKey(text: string): PublicKey {
  const line = text.trim().split(/\r?\n/).find((l) => l.trim() && !l.startsWith('#'))?.trim();
  if (!line) throw new BadRequestError('ssh key: empty; expected a line like "ssh-ed25519 AAAA… you@host"');
  const [type, b64, ...rest] = line.split(/\s+/);
  const parsed = utils.parseKey(`${type} ${b64 ?? ''}`);
  if (parsed instanceof Error || !b64) {
    throw new BadRequestError(`ssh key: not an OpenSSH public key (${parsed instanceof Error ? parsed.message : 'missing key data'})`);
  }
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  if (key.isPrivateKey()) throw new BadRequestError('ssh key: this is a private key; give the public one (.pub)');
  const blob = key.getPublicSSH();
  return {
    type: key.type,
    line: `${key.type} ${blob.toString('base64')}`,
    comment: rest.join(' '),
    fingerprint: fingerprintOf(blob),
  };
}

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}
