// Users, keys, tokens, ESCs, grants, and the one question everything asks: can(subject, scope, job).
// Decisions come from an in-memory snapshot of the tables, rebuilt on every change,
// so a revoked token is refused on the very next request and the gateway never waits on SQLite.
import { verifySshKey, type SshKeyAttempt } from './verify-ssh-key.js';
import type { UserStore, TokenStore, User, Grant } from '../db/index.js';
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../core/errors.js';
import type { CallAuthorizer, CallDecision } from '../router/types.js';
import { NEW_USER_SCOPES, OWNER_SCOPES, scopesAllowing, type Scope, type SubjectKind } from './scopes.js';
import { generateToken, hashToken } from './token.js';
import { parsePublicKey } from './parse-public-key.js';
import { hashPassword, verifyPassword } from './password.js';
import { hasControlChars } from '../core/escape-control-chars.js';

/** Seals a value at rest, bound to a context (the secrets' SecretBox). */
export interface Sealer {
  seal(plain: string, context: string): string;
  open(sealed: string, context: string): string;
}

/** What a registration did; the caller answers the same whatever it was, so emails cannot be probed. */
export type RegistrationOutcome = 'created' | 'replaced pending' | 'unchanged';

export type Subject =
  | { kind: 'user'; name: string; user: User }
  | { kind: 'esc'; name: string }
  | { kind: 'job'; name: string };

export const subjectRef = (s: { kind: SubjectKind; name: string }): string => `${s.kind}:${s.name}`;

interface Snapshot {
  /** token hash → its subject, resolved when the snapshot is built (active users and existing ESCs only) */
  subjectByHash: Map<string, Subject>;
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
    private readonly sealer: Sealer,
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
    const snap: Snapshot = {
      subjectByHash: new Map(),
      grants,
      users: new Map(this.users.list().map((u) => [u.email, u])),
      escs: new Set(this.escNames.list()),
    };
    // Resolved here once rather than on every call: the gateway asks per request, and the answer only changes with the snapshot.
    for (const t of this.tokens.allHashes()) {
      const subject = subjectIn(snap, t.subject);
      if (subject) snap.subjectByHash.set(t.hash, subject);
    }
    this.snap = snap;
  }

  // ---- authentication

  /** token → subject, or undefined when unknown or its user is deactivated. */
  authenticate(token: string | undefined): Subject | undefined {
    if (!token) return undefined;
    return this.snap.subjectByHash.get(hashToken(token));
  }

  requireToken(token: string | undefined): Subject {
    const s = this.authenticate(token);
    if (!s) throw new UnauthenticatedError(token ? 'unknown or revoked token' : 'missing token: send X-Racetrack-Auth');
    return s;
  }

  async login(email: string, password: string): Promise<User> {
    const hash = this.users.passwordHash(email);
    const user = this.snap.users.get(email);
    // an unknown email costs the same hash as a known one, so the time taken does not tell which emails exist
    const matches = await verifyPassword(password, hash ?? (await unknownUserHash()));
    if (!hash || !user || !matches) throw new UnauthenticatedError('wrong email or password');
    if (!user.isActive) throw new ForbiddenError(`user ${email} is not active yet; an admin must activate it`);
    return user;
  }

  /** An active user as a subject, from the snapshot (a dashboard session names its user by email). */
  userSubject(email: string): Subject | undefined {
    return subjectIn(this.snap, `user:${email}`);
  }

  /** An SSH public-key attempt: refused, acceptable (not signed yet), or the user subject it proved. */
  verifySshKey(attempt: SshKeyAttempt): Subject | 'acceptable' | 'refused' {
    const verdict = verifySshKey(this.users, attempt);
    return typeof verdict === 'string' ? verdict : { kind: 'user', name: verdict.user.email, user: verdict.user };
  }

  // ---- authorisation

  can(subject: Subject, scope: Scope, job: string): boolean {
    if (subject.kind === 'user' && subject.user.isAdmin) return true;
    const set = this.snap.grants.get(subjectRef(subject));
    if (!set) return false;
    for (const s of scopesAllowing(scope)) {
      if (set.has(`${job}\0${s}`) || set.has(`*\0${s}`)) return true;
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
    const existing = this.users.byEmail(email);
    if (existing) {
      throw new ConflictError(`user ${email} already exists`, existing.activatedAt === null ? [`it registered itself and waits: \`users activate ${email}\` lets it in`] : []);
    }
    return this.insertUser({
      email,
      isAdmin: opts.admin ?? false,
      isActive: opts.active ?? true,
      passwordHash: opts.password ? await hashPassword(opts.password) : undefined,
    });
  }

  /**
   * A self-service registration: a new email becomes an account (inactive unless `active`); a later one for an
   * email never activated replaces the pending password, so whoever registered first cannot squat it; an account
   * that is or was active is left alone.
   */
  register(email: string, passwordHash: string, opts: { active: boolean; from: string }): RegistrationOutcome {
    const existing = this.users.byEmail(email);
    if (!existing) {
      this.insertUser({ email, isAdmin: false, isActive: opts.active, passwordHash, registeredFrom: opts.from });
      return 'created';
    }
    if (existing.activatedAt !== null) return 'unchanged';
    this.users.replaceRegistration(email, { passwordHash, from: opts.from, active: opts.active });
    this.reload();
    return 'replaced pending';
  }

  private insertUser(u: Parameters<UserStore['insert']>[0]): User {
    const user = this.users.insert(u);
    for (const scope of NEW_USER_SCOPES) this.tokens.insertGrant({ subject: `user:${u.email}`, jobName: '*', scope });
    this.reload();
    return user;
  }

  /** Returns the account as it was before the change (its registration details are what an admin checks). */
  setUserActive(email: string, active: boolean): User {
    const user = this.users.byEmail(email);
    if (!user) throw new NotFoundError(`user ${email} not found`);
    this.users.setActive(email, active);
    this.reload();
    return user;
  }

  addKey(userId: number, keyText: string, name?: string) {
    const key = parsePublicKey(keyText);
    const existing = this.users.keyByFingerprint(key.fingerprint);
    if (existing) throw new ConflictError(`ssh key ${key.fingerprint} is already registered`);
    // a comment is free text from the key file: it names the key only when it is printable
    const fallback = key.comment && !hasControlChars(key.comment) ? key.comment : key.type;
    return this.users.insertKey({ userId, name: name || fallback, publicKey: key.line, fingerprint: key.fingerprint });
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

  // ---- job families: ownership and the family token every version gets as AUTH_TOKEN

  /** A family was just created by `owner`'s deploy: the owner may deploy over and delete it; it gets its token. */
  ownFamily(name: string, owner: Subject): void {
    for (const scope of OWNER_SCOPES) this.tokens.insertGrant({ subject: subjectRef(owner), jobName: name, scope });
    this.issueFamilyToken(name);
  }

  /** The family's newest token, opened from its sealed copy; a family without one (made before tokens were random) gets one. */
  familyToken(name: string): string {
    const newest = this.tokens.sealedOf(`job:${name}`)[0];
    return newest ? this.sealer.open(newest.sealed, familyTokenContext(name, newest.hash)) : this.issueFamilyToken(name).token;
  }

  /** A new random family token, newest from now on; older ones work until revokeFamilyTokens. Stored hashed, and sealed for restarts. */
  issueFamilyToken(name: string): { id: number; token: string } {
    const token = generateToken('rtj');
    const hash = hashToken(token);
    const rec = this.tokens.insert({ subject: `job:${name}`, name: 'family token', hash, sealed: this.sealer.seal(token, familyTokenContext(name, hash)) });
    this.reload();
    return { id: rec.id, token };
  }

  /** Revokes the family's tokens issued before `current` (the one its versions now run with); returns how many. */
  revokeFamilyTokens(name: string, current: number): number {
    const old = this.tokens.sealedOf(`job:${name}`).filter((t) => t.id < current);
    for (const t of old) this.tokens.delete(t.id);
    this.reload();
    return old.length;
  }

  /** The family has ended: its tokens stop working now, and grants to `job:NAME` or on NAME do not pass to a new family of that name. */
  forgetFamily(name: string): void {
    this.tokens.forgetFamily(name);
    this.reload();
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

/** `kind:name` → the subject it is in `snap`: undefined for a user not active (or gone) and an ESC that does not exist. */
function subjectIn(snap: Snapshot, ref: string): Subject | undefined {
  const i = ref.indexOf(':');
  const kind = ref.slice(0, i) as SubjectKind;
  const name = ref.slice(i + 1);
  if (kind === 'user') {
    const user = snap.users.get(name);
    return user?.isActive ? { kind, name, user } : undefined;
  }
  if (kind === 'esc') return snap.escs.has(name) ? { kind, name } : undefined;
  return { kind: 'job', name };
}

/** binds a sealed family token to its family and its hash, so it cannot be moved to another row */
function familyTokenContext(name: string, hash: string): string {
  return `job:${name}\0family token\0${hash}`;
}

let dummyHash: Promise<string> | undefined;
/** a real hash of nothing anyone knows, verified against when the email is unknown */
function unknownUserHash(): Promise<string> {
  return (dummyHash ??= hashPassword(generateToken()));
}
