// Account management behind `keys`, `tokens`, `users`, `esc` and `grant`: permission checks and audit
// live here, so the ssh commands, the API and the dashboard cannot differ.
import type { UserStore, TokenStore, SshKey, TokenRecord, User, Grant } from '../db/index.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../core/errors.js';
import type { AuditLog } from '../audit/index.js';
import type { AuthService, Subject } from './auth-service.js';
import { subjectRef } from './auth-service.js';
import { parseScope, parseSubjectRef } from './scopes.js';
import { parsePublicKey } from './parse-public-key.js';
import { hashPassword } from './password.js';
import { RateLimit } from './rate-limit.js';
import { isValidJobName } from '../manifest/index.js';
import { clientKey } from '../core/client-key.js';
import { escapeControlChars, hasControlChars } from '../core/escape-control-chars.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_EMAIL = 254;
const MAX_NAME = 100;
const MIN_PASSWORD = 8;
/** scrypt takes any length; a bound keeps one request's hashing cost fixed */
const MAX_PASSWORD = 1024;
/** registrations accepted per client (an IPv4 address or an IPv6 /64) per hour */
const REGISTRATIONS_PER_ADDRESS = 10;

/** An email is an identifier: no control or invisible characters, ever; the error shows what was given, escaped. */
export function parseEmail(raw: string): string {
  if (raw.length > MAX_EMAIL || hasControlChars(raw) || !EMAIL.test(raw)) {
    throw new BadRequestError(`email: "${escapeControlChars(raw.slice(0, MAX_EMAIL))}" is not an email address`);
  }
  return raw.toLowerCase();
}

/** A name people give a key or a token: printable, 1–100 characters. */
function parseName(field: string, raw: string): string {
  if (!raw || raw.length > MAX_NAME || hasControlChars(raw)) {
    throw new BadRequestError(`${field}: must be 1–${MAX_NAME} printable characters, without control characters`);
  }
  return raw;
}

export class AccessService {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UserStore,
    private readonly tokens: TokenStore,
    private readonly audit: AuditLog,
    private readonly registrations = new RateLimit('registrations', REGISTRATIONS_PER_ADDRESS, 3600_000),
  ) {}

  /** Runs an admin-only action; a refusal is audited before it is thrown. */
  private asAdmin<T>(actor: Subject, action: string, fn: () => T): T {
    try {
      this.auth.requireAdmin(actor);
    } catch (e) {
      this.audit.record(actor, action, { ok: false, detail: 'refused: not an admin' });
      throw e;
    }
    return fn();
  }

  private userOf(actor: Subject): User {
    if (actor.kind !== 'user') throw new ForbiddenError('only users have ssh keys and personal tokens');
    return actor.user;
  }

  // ---- ssh keys

  keys(actor: Subject): SshKey[] {
    return this.users.keys(this.userOf(actor).id);
  }

  addKey(actor: Subject, keyText: string, name?: string): SshKey {
    const key = this.auth.addKey(this.userOf(actor).id, keyText, name === undefined ? undefined : parseName('key name', name));
    this.audit.record(actor, 'key.add', { detail: key.fingerprint });
    return key;
  }

  removeKey(actor: Subject, id: number): void {
    const key = this.users.keys(this.userOf(actor).id).find((k) => k.id === id);
    if (!key) throw new NotFoundError(`you have no ssh key with id ${id}`);
    this.users.deleteKey(id);
    this.audit.record(actor, 'key.remove', { detail: key.fingerprint });
  }

  // ---- tokens

  tokensOf(actor: Subject): TokenRecord[] {
    return this.tokens.bySubject(subjectRef(actor));
  }

  createToken(actor: Subject, name = 'token'): { id: number; name: string; token: string } {
    const t = this.auth.createToken(subjectRef(this.asUserSubject(actor)), parseName('token name', name));
    this.audit.record(actor, 'token.create', { detail: `id ${t.id} ${name}` });
    return t;
  }

  revokeToken(actor: Subject, id: number): void {
    const t = this.tokens.byId(id);
    const mine = t && t.subject === subjectRef(actor);
    if (!t || !(mine || (actor.kind === 'user' && actor.user.isAdmin))) throw new NotFoundError(`you have no token with id ${id}`);
    this.auth.revokeToken(id);
    this.audit.record(actor, 'token.revoke', { detail: `id ${id} of ${t.subject}` });
  }

  private asUserSubject(actor: Subject): Subject {
    this.userOf(actor);
    return actor;
  }

  // ---- accounts by password (the API's register and login)

  /**
   * Self-service sign-up, throttled per client address. Whether the email was new, pending (its password is
   * replaced: the latest registration is the one an admin activates) or already an account, the caller learns
   * nothing: the result is the normalised email, and the work done is the same (one password hash).
   */
  async register(email: string, password: string, opts: { active: boolean; address: string }): Promise<string> {
    const e = parseEmail(email);
    if (!password) throw new BadRequestError('password: must not be empty');
    this.registrations.take(clientKey(opts.address));
    const outcome = this.auth.register(e, await hashPassword(password), { active: opts.active, from: opts.address });
    const detail = {
      created: opts.active ? 'new, active' : 'new, inactive until an admin activates it',
      'replaced pending': 'replaced the pending registration',
      unchanged: 'already an account: nothing changed',
    }[outcome];
    this.audit.record(`user:${e}`, 'user.register', { detail: `${detail} (from ${opts.address})`, ok: outcome !== 'unchanged' });
    return e;
  }

  /** Password login: a new personal token, shown once; a failed attempt is audited. */
  async login(email: string, password: string): Promise<{ user: User; token: string }> {
    const user = await this.checkPassword(email, password, 'user.login');
    const { token } = this.auth.createToken(`user:${user.email}`, 'login');
    return { user, token };
  }

  /** The dashboard's login: the password checked and audited as `login` does, no token made (a session is). */
  async checkPassword(email: string, password: string, action = 'user.login.dashboard'): Promise<User> {
    const e = parseEmail(email);
    try {
      const user = await this.auth.login(e, password);
      this.audit.record(`user:${e}`, action);
      return user;
    } catch (err) {
      this.audit.record(`user:${e}`, action, { ok: false, detail: (err as Error).message });
      throw err;
    }
  }

  /** `ssh rt passwd`: a user sets their own password (how an admin made with a key or token gets one). */
  async setPassword(actor: Subject, password: string): Promise<void> {
    const user = this.userOf(actor);
    if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
      throw new BadRequestError(`password: must be ${MIN_PASSWORD}–${MAX_PASSWORD} characters`);
    }
    this.users.setPasswordHash(user.email, await hashPassword(password));
    this.audit.record(actor, 'user.passwd');
  }

  // ---- users (admin)

  listUsers(actor: Subject): User[] {
    return this.asAdmin(actor, 'user.list', () => this.users.list());
  }

  async addUser(actor: Subject, email: string, opts: { admin: boolean; key?: string }): Promise<User> {
    const e = parseEmail(email);
    this.asAdmin(actor, 'user.add', () => undefined);
    const key = opts.key ? parsePublicKey(opts.key) : undefined; // a bad key fails before the user exists
    const user = await this.auth.createUser(e, { admin: opts.admin });
    if (key) this.auth.addKey(user.id, opts.key!);
    this.audit.record(actor, 'user.add', { detail: `${e}${opts.admin ? ' (admin)' : ''}${key ? ` key ${key.fingerprint}` : ''}` });
    return user;
  }

  /** An admin gives another user a token (onboarding without passwords). */
  createTokenFor(actor: Subject, email: string, name: string): { id: number; name: string; token: string } {
    return this.asAdmin(actor, 'token.create', () => {
      if (!this.users.byEmail(email)) throw new NotFoundError(`user ${email} not found`);
      const t = this.auth.createToken(`user:${email}`, name);
      this.audit.record(actor, 'token.create', { detail: `id ${t.id} for ${email}` });
      return t;
    });
  }

  /** Returns the account as it was, so an admin activating it sees when (and how often, from where) it registered. */
  setActive(actor: Subject, email: string, active: boolean): User {
    const e = parseEmail(email);
    const user = this.asAdmin(actor, active ? 'user.activate' : 'user.deactivate', () => this.auth.setUserActive(e, active));
    this.audit.record(actor, active ? 'user.activate' : 'user.deactivate', { detail: e });
    return user;
  }

  // ---- external service consumers (admin)

  listEscs(actor: Subject): string[] {
    return this.asAdmin(actor, 'esc.list', () => this.auth.escs());
  }

  createEsc(actor: Subject, name: string): void {
    // ESC names follow the job-name rule: they appear in the same places (subjects, URLs, tables)
    if (!isValidJobName(name)) throw new BadRequestError(`esc name: "${name}" must be 1–63 chars of A-Za-z0-9_.- starting with a letter or digit`);
    this.asAdmin(actor, 'esc.create', () => this.auth.createEsc(name));
    this.audit.record(actor, 'esc.create', { detail: name });
  }

  escToken(actor: Subject, name: string): { id: number; name: string; token: string } {
    return this.asAdmin(actor, 'esc.token', () => {
      if (!this.auth.escs().includes(name)) throw new NotFoundError(`esc "${name}" not found`);
      const t = this.auth.createToken(`esc:${name}`, `esc ${name}`);
      this.audit.record(actor, 'esc.token', { detail: `id ${t.id} for ${name}` });
      return t;
    });
  }

  // ---- grants (admin)

  grants(actor: Subject): Grant[] {
    return this.asAdmin(actor, 'grant.list', () => this.tokens.allGrants());
  }

  grant(actor: Subject, subject: string, job: string, scope: string): void {
    const { s, j, sc } = this.checkGrantArgs(subject, job, scope);
    this.asAdmin(actor, 'grant', () => this.auth.grant(s, j, sc));
    this.audit.record(actor, 'grant', { job: j, detail: `${sc} to ${s}` });
  }

  revoke(actor: Subject, subject: string, job: string, scope: string): void {
    const { s, j, sc } = this.checkGrantArgs(subject, job, scope);
    this.asAdmin(actor, 'revoke', () => {
      if (!this.auth.revoke(s, j, sc)) throw new NotFoundError(`${s} has no ${sc} grant on ${j}`);
    });
    this.audit.record(actor, 'revoke', { job: j, detail: `${sc} from ${s}` });
  }

  private checkGrantArgs(subject: string, job: string, scope: string) {
    const ref = parseSubjectRef(subject);
    if (ref.kind === 'user' && !this.users.byEmail(ref.name)) throw new NotFoundError(`user ${ref.name} not found`);
    if (ref.kind === 'esc' && !this.auth.escs().includes(ref.name)) throw new NotFoundError(`esc "${ref.name}" not found`);
    if (job !== '*' && !isValidJobName(job)) throw new BadRequestError(`job: "${job}" is not a job name or *`);
    return { s: `${ref.kind}:${ref.name}`, j: job, sc: parseScope(scope) };
  }
}
