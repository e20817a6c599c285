// Pushes in flight: the git process gets an id and a secret; its hooks present them to prove who pushed what.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Subject } from '../auth/index.js';
import type { HookEnv } from './git-service.js';

export interface PushSession {
  id: string;
  jobName: string;
  repoPath: string;
  pusher: Subject;
}

export class PushRegistry {
  private readonly sessions = new Map<string, PushSession>();
  /** one secret for this server process; hooks of other processes cannot guess it */
  private readonly secret = randomBytes(32).toString('hex');
  hookUrl = '';
  /** told when a push's git process has ended, successful or not */
  onEnded: (pushId: string) => void = () => {};

  open(s: Omit<PushSession, 'id'>): { session: PushSession; env: HookEnv; close: () => void } {
    const session = { ...s, id: randomBytes(12).toString('hex') };
    this.sessions.set(session.id, session);
    return {
      session,
      env: { RACETRACK_HOOK_URL: this.hookUrl, RACETRACK_HOOK_SECRET: this.secret, RACETRACK_PUSH_ID: session.id },
      close: () => {
        this.sessions.delete(session.id);
        this.onEnded(session.id);
      },
    };
  }

  verify(secret: string | undefined, pushId: string | undefined): PushSession | undefined {
    if (!secret || !pushId) return undefined;
    const a = Buffer.from(secret);
    const b = Buffer.from(this.secret);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
    return this.sessions.get(pushId);
  }

  get size(): number {
    return this.sessions.size;
  }
}
