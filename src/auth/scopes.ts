// The scopes of CONTRACT §9 and the subjects they are granted to.
import { UsageError } from '../core/errors.js';

export const SCOPES = ['read_job', 'deploy_job', 'deploy_new_family', 'delete_job', 'call_job', 'call_admin_api', 'full_access'] as const;
export type Scope = (typeof SCOPES)[number];

/** What a new user may do on every job: read and call it, and create new job names. */
export const NEW_USER_SCOPES: Scope[] = ['read_job', 'call_job', 'deploy_new_family'];

/** What the subject whose deploy created a job family holds on it. */
export const OWNER_SCOPES: Scope[] = ['deploy_job', 'delete_job'];

/** The grants that allow `scope`: itself, full_access, and deploy_job for delete_job (delete goes with deploy, CONTRACT §9). */
const ALLOWING: Readonly<Record<Scope, readonly Scope[]>> = Object.freeze(Object.fromEntries(
  SCOPES.map((s) => [s, Object.freeze(s === 'delete_job' ? ['delete_job', 'deploy_job', 'full_access'] : [s, 'full_access'])]),
) as Record<Scope, readonly Scope[]>);

export function scopesAllowing(scope: Scope): readonly Scope[] {
  return ALLOWING[scope];
}

export function parseScope(raw: string): Scope {
  if ((SCOPES as readonly string[]).includes(raw)) return raw as Scope;
  throw new UsageError(`scope: unknown scope "${raw}"`, [`scopes: ${SCOPES.join(', ')}`]);
}

export type SubjectKind = 'user' | 'esc' | 'job';

/** `user:EMAIL`, `esc:NAME` or `job:NAME` → its parts; the error names the argument. */
export function parseSubjectRef(raw: string): { kind: SubjectKind; name: string } {
  const m = /^(user|esc|job):(.+)$/.exec(raw);
  if (!m) throw new UsageError(`subject: "${raw}" is not user:EMAIL, esc:NAME or job:NAME`);
  return { kind: m[1] as SubjectKind, name: m[2]! };
}
