// Pushes in flight: each git process gets an id and a secret of its own; its hooks present both to prove
// which push they speak for. The secret is checked before the hook's body is read.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Subject } from '../auth/index.js';
import type { HookEnv } from './git-service.js';

export interface PushSession {
  id: string;
  jobName: string;
  repoPath: string;
  pusher: Subject;
}

interface Entry {
  session: PushSession;
  secret: Buffer;
}

export class PushRegistry {
  private readonly sessions = new Map<string, Entry>();
  /** the hook channel's unix socket; set once it listens */
  hookSocket = '';
  /** told when a push's git process has ended, successful or not */
  onEnded: (pushId: string) => void = () => {};

  open(s: Omit<PushSession, 'id'>): { session: PushSession; env: HookEnv; close: () => void } {
    const session = { ...s, id: randomBytes(12).toString('hex') };
    const secret = randomBytes(32).toString('hex');
    this.sessions.set(session.id, { session, secret: Buffer.from(secret) });
    return {
      session,
      env: { RACETRACK_HOOK_SOCKET: this.hookSocket, RACETRACK_HOOK_SECRET: secret, RACETRACK_PUSH_ID: session.id },
      close: () => {
        if (!this.sessions.delete(session.id)) return;
        this.onEnded(session.id);
      },
    };
  }

  /** The push when `secret` is the one given to its git process; undefined otherwise (constant time in the secret). */
  verify(pushId: unknown, secret: unknown): PushSession | undefined {
    if (typeof pushId !== 'string' || typeof secret !== 'string') return undefined;
    const entry = this.sessions.get(pushId);
    if (!entry) return undefined;
    const given = Buffer.from(secret);
    if (given.length !== entry.secret.length || !timingSafeEqual(given, entry.secret)) return undefined;
    return entry.session;
  }

  get size(): number {
    return this.sessions.size;
  }
}
