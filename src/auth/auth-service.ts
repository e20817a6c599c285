// Users, keys, tokens, ESCs, grants, and the one question everything asks: can(subject, scope, job).
// Decisions come from an in-memory snapshot of the tables, rebuilt on every change,
// so a revoked token is refused on the very next request and the gateway never waits on SQLite.
import type { UserStore, TokenStore, User, Grant } from '../db/index.js';
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../core/errors.js';
import type { CallAuthorizer, CallDecision } from '../router/types.js';
import { NEW_USER_SCOPES, type Scope, type SubjectKind } from './scopes.js';
import { deriveJobToken, generateToken, hashToken } from './token.js';
import { parsePublicKey } from './parse-public-key.js';
import { hashPassword, verifyPassword } from './password.js';

export type Subject =
  | { kind: 'user'; name: string; user: User }
  | { kind: 'esc'; name: string }
  | { kind: 'job'; name: string };

export const subjectRef = (s: { kind: SubjectKind; name: string }): string => `${s.kind}:${s.name}`;

interface Snapshot {
  subjectByHash: Map<string, string>;
  /** subject ref → set of `JOB\0SCOPE` */
  grants: Map<string, Set<string>>;
  users: Map<string, User>;
  escs: Set<string>;
}

export class AuthService implements CallAuthorizer {
  private snap!: Snapshot;

  constructor(
    private readonly users: UserStore,
    private readonly tokens: TokenStore,
    private readonly escNames: { list(): string[]; insert(name: string): void },
    private readonly serverKey: Buffer,
  ) {
    this.reload();
  }

  /** Rebuild the in-memory snapshot; called after every change to users, tokens or grants. */
  reload(): void {
    const grants = new Map<string, Set<string>>();
    for (const g of this.tokens.allGrants()) {
      let set = grants.get(g.subject);
      if (!set) grants.set(g.subject, (set = new Set()));
      set.add(`${g.jobName}\0${g.scope}`);
    }
    this.snap = {
      subjectByHash: new Map(this.tokens.allHashes().map((t) => [t.hash, t.subject])),
      grants,
      users: new Map(this.users.list().map((u) => [u.email, u])),
      escs: new Set(this.escNames.list()),
    };
  }

  // ---- authentication

  /** token → subject, or undefined when unknown or its user is deactivated. */
  authenticate(token: string | undefined): Subject | undefined {
    if (!token) return undefined;
    const ref = this.snap.subjectByHash.get(hashToken(token));
    return ref ? this.subjectOf(ref) : undefined;
  }

  requireToken(token: string | undefined): Subject {
    const s = this.authenticate(token);
    if (!s) throw new UnauthenticatedError(token ? 'unknown or revoked token' : 'missing token: send X-Racetrack-Auth');
    return s;
  }

  async login(email: string, password: string): Promise<User> {
    const hash = this.users.passwordHash(email);
    const user = this.snap.users.get(email);
    if (!hash || !user || !(await verifyPassword(password, hash))) throw new UnauthenticatedError('wrong email or password');
    if (!user.isActive) throw new ForbiddenError(`user ${email} is not active yet; an admin must activate it`);
    return user;
  }

  userByKeyFingerprint(fingerprint: string): User | undefined {
    const key = this.users.keyByFingerprint(fingerprint);
    const user = key && this.users.byId(key.userId);
    return user?.isActive ? user : undefined;
  }

  private subjectOf(ref: string): Subject | undefined {
    const i = ref.indexOf(':');
    const kind = ref.slice(0, i) as SubjectKind;
    const name = ref.slice(i + 1);
    if (kind === 'user') {
      const user = this.snap.users.get(name);
      return user?.isActive ? { kind, name, user } : undefined;
    }
    if (kind === 'esc') return this.snap.escs.has(name) ? { kind, name } : undefined;
    return { kind: 'job', name };
  }

  // ---- authorisation

  can(subject: Subject, scope: Scope, job: string): boolean {
    if (subject.kind === 'user' && subject.user.isAdmin) return true;
    const set = this.snap.grants.get(subjectRef(subject));
    if (!set) return false;
    for (const j of [job, '*']) {
      if (set.has(`${j}\0${scope}`) || set.has(`${j}\0full_access`)) return true;
    }
    return false;
  }

  require(subject: Subject, scope: Scope, job: string): void {
    if (!this.can(subject, scope, job)) {
      throw new ForbiddenError(`${subjectRef(subject)} has no ${scope} permission on ${job === '*' ? 'all jobs' : `job "${job}"`}`);
    }
  }

  requireAdmin(subject: Subject): void {
    if (!(subject.kind === 'user' && subject.user.isAdmin)) throw new ForbiddenError('this needs an admin');
  }

  authorizeCall(token: string | undefined, jobName: string): CallDecision {
    const subject = this.authenticate(token);
    if (!subject) return { ok: false, status: 401, error: token ? 'unknown or revoked token' : 'missing token: send X-Racetrack-Auth' };
    if (!this.can(subject, 'call_job', jobName)) {
      return { ok: false, status: 403, error: `${subjectRef(subject)} has no call_job permission on job "${jobName}"` };
    }
    return { ok: true, caller: { kind: subject.kind, name: subject.name } };
  }

  escs(): string[] {
    return [...this.snap.escs].sort();
  }

  grantsOf(subject: string): Grant[] {
    return this.tokens.allGrants().filter((g) => g.subject === subject);
  }

  // ---- changes

  async createUser(email: string, opts: { admin?: boolean; active?: boolean; password?: string } = {}): Promise<User> {
    if (this.users.byEmail(email)) throw new ConflictError(`user ${email} already exists`);
    const user = this.users.insert({
      email,
      isAdmin: opts.admin ?? false,
      isActive: opts.active ?? true,
      passwordHash: opts.password ? await hashPassword(opts.password) : undefined,
    });
    for (const scope of NEW_USER_SCOPES) this.tokens.insertGrant({ subject: `user:${email}`, jobName: '*', scope });
    this.reload();
    return user;
  }

  setUserActive(email: string, active: boolean): void {
    if (!this.users.byEmail(email)) throw new NotFoundError(`user ${email} not found`);
    this.users.setActive(email, active);
    this.reload();
  }

  addKey(userId: number, keyText: string, name?: string) {
    const key = parsePublicKey(keyText);
    const existing = this.users.keyByFingerprint(key.fingerprint);
    if (existing) throw new ConflictError(`ssh key ${key.fingerprint} is already registered`);
    return this.users.insertKey({ userId, name: name || key.comment || key.type, publicKey: key.line, fingerprint: key.fingerprint });
  }

  /** A new token for the subject; the value is returned once and never stored. */
  createToken(subject: string, name: string): { id: number; name: string; token: string } {
    const token = generateToken();
    const rec = this.tokens.insert({ subject, name, hash: hashToken(token) });
    this.reload();
    return { id: rec.id, name: rec.name, token };
  }

  /** Register a token whose value someone chose (RACETRACK_ADMIN_TOKEN), once. */
  adoptToken(subject: string, name: string, token: string): void {
    if (!this.tokens.hasHash(hashToken(token))) this.tokens.insert({ subject, name, hash: hashToken(token) });
    this.reload();
  }

  revokeToken(id: number): void {
    this.tokens.delete(id);
    this.reload();
  }

  /** The family token a job gets as AUTH_TOKEN; its hash is registered so the gateway knows it. */
  jobToken(jobName: string): string {
    const token = deriveJobToken(this.serverKey, jobName);
    if (!this.snap.subjectByHash.has(hashToken(token))) this.adoptToken(`job:${jobName}`, 'family token', token);
    return token;
  }

  createEsc(name: string): void {
    if (this.snap.escs.has(name)) throw new ConflictError(`esc ${name} already exists`);
    this.escNames.insert(name);
    this.reload();
  }

  grant(subject: string, jobName: string, scope: Scope): void {
    this.tokens.insertGrant({ subject, jobName, scope });
    this.reload();
  }

  revoke(subject: string, jobName: string, scope: Scope): boolean {
    const n = this.tokens.deleteGrant({ subject, jobName, scope });
    this.reload();
    return n > 0;
  }
}
