// Account management behind `keys`, `tokens`, `users`, `esc` and `grant`: permission checks and audit
// live here, so the ssh commands, the API and the dashboard cannot differ.
import type { UserStore, TokenStore, SshKey, TokenRecord, User, Grant } from '../db/index.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../core/errors.js';
import type { AuditLog } from '../audit/index.js';
import type { AuthService, Subject } from './auth-service.js';
import { subjectRef } from './auth-service.js';
import { parseScope, parseSubjectRef } from './scopes.js';
import { parsePublicKey } from './parse-public-key.js';
import { isValidJobName } from '../manifest/index.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function parseEmail(raw: string): string {
  if (!EMAIL.test(raw)) throw new BadRequestError(`email: "${raw}" is not an email address`);
  return raw.toLowerCase();
}

export class AccessService {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UserStore,
    private readonly tokens: TokenStore,
    private readonly audit: AuditLog,
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
    const key = this.auth.addKey(this.userOf(actor).id, keyText, name);
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
    const t = this.auth.createToken(subjectRef(this.asUserSubject(actor)), name);
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

  /** Self-service sign-up; the account waits for an admin's `users activate` unless active. */
  async register(email: string, password: string, active: boolean): Promise<User> {
    const e = parseEmail(email);
    if (!password) throw new BadRequestError('password: must not be empty');
    const user = await this.auth.createUser(e, { active, password });
    this.audit.record(`user:${e}`, 'user.register', { detail: active ? 'active' : 'inactive until an admin activates it' });
    return user;
  }

  /** Password login: a new personal token, shown once; a failed attempt is audited. */
  async login(email: string, password: string): Promise<{ user: User; token: string }> {
    const e = email.toLowerCase();
    try {
      const user = await this.auth.login(e, password);
      const { token } = this.auth.createToken(`user:${e}`, 'login');
      this.audit.record(`user:${e}`, 'user.login');
      return { user, token };
    } catch (err) {
      this.audit.record(`user:${e}`, 'user.login', { ok: false, detail: (err as Error).message });
      throw err;
    }
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

  setActive(actor: Subject, email: string, active: boolean): void {
    this.asAdmin(actor, active ? 'user.activate' : 'user.deactivate', () => this.auth.setUserActive(parseEmail(email), active));
    this.audit.record(actor, active ? 'user.activate' : 'user.deactivate', { detail: email });
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
