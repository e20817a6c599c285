// Admin pages: users (activate/deactivate, who registered when), ESCs and grants, the audit trail.
import type { AuditEvent, Grant, User } from '../../db/index.js';
import { SCOPES } from '../../auth/index.js';
import { BASE, CsrfField, Layout, Notice, type PageContext } from './layout.js';
import { isoTime } from './format.js';

export interface Flash {
  error?: string;
  done?: string;
}

export function UsersPage({ page, users, flash }: { page: PageContext; users: User[]; flash: Flash }): JSX.Element {
  return (
    <Layout title="Users" page={page}>
      <Notice {...flash} />
      <table class="wide">
        <thead>
          <tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Active</th><th scope="col">Registered</th><th scope="col">From</th><th scope="col">Registrations</th><th scope="col">Activated</th><th scope="col">Change</th></tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr>
              <td safe>{u.email}</td>
              <td>{u.isAdmin ? 'admin' : 'user'}</td>
              <td>{u.isActive ? 'yes' : 'no'}</td>
              <td safe>{isoTime(u.registeredAt) || `created ${isoTime(u.createdAt)}`}</td>
              <td safe>{u.registeredFrom ?? ''}</td>
              <td>{u.registerAttempts}</td>
              <td safe>{isoTime(u.activatedAt)}</td>
              <td>
                <form method="post" action={`${BASE}/admin/users/active`} class="inline">
                  <CsrfField csrf={page.csrf} />
                  <input type="hidden" name="email" value={u.email} />
                  <input type="hidden" name="active" value={u.isActive ? 'false' : 'true'} />
                  <button type="submit">{u.isActive ? 'Deactivate' : 'Activate'}<span class="visually-hidden" safe>{` ${u.email}`}</span></button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}

export interface GrantForm {
  subject?: string;
  job?: string;
  scope?: string;
}

export function EscsPage(props: { page: PageContext; escs: string[]; grants: Grant[]; flash: Flash; form: GrantForm & { esc?: string }; newToken?: { esc: string; token: string } }): JSX.Element {
  const { page, form } = props;
  return (
    <Layout title="ESCs and grants" page={page}>
      <Notice {...props.flash} />
      {props.newToken ? (
        <p class="notice done" role="status">
          Token for ESC <span safe>{props.newToken.esc}</span>, shown once: <code safe>{props.newToken.token}</code>
        </p>
      ) : ''}
      <h2>External service consumers</h2>
      <table>
        <thead><tr><th scope="col">Name</th><th scope="col">Token</th></tr></thead>
        <tbody>
          {props.escs.map((e) => (
            <tr>
              <td safe>{e}</td>
              <td>
                <form method="post" action={`${BASE}/admin/escs/token`} class="inline">
                  <CsrfField csrf={page.csrf} />
                  <input type="hidden" name="name" value={e} />
                  <button type="submit">New token<span class="visually-hidden" safe>{` for ${e}`}</span></button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action={`${BASE}/admin/escs`} class="row">
        <CsrfField csrf={page.csrf} />
        <label for="esc-name">New ESC name</label>
        <input id="esc-name" name="name" required value={form.esc ?? ''} />
        <button type="submit">Create ESC</button>
      </form>

      <h2>Grants</h2>
      <table>
        <thead><tr><th scope="col">Subject</th><th scope="col">Job</th><th scope="col">Scope</th><th scope="col">Revoke</th></tr></thead>
        <tbody>
          {props.grants.map((g) => (
            <tr>
              <td safe>{g.subject}</td>
              <td safe>{g.jobName}</td>
              <td safe>{g.scope}</td>
              <td>
                <form method="post" action={`${BASE}/admin/grants/revoke`} class="inline">
                  <CsrfField csrf={page.csrf} />
                  <input type="hidden" name="subject" value={g.subject} />
                  <input type="hidden" name="job" value={g.jobName} />
                  <input type="hidden" name="scope" value={g.scope} />
                  <button type="submit">Revoke<span class="visually-hidden" safe>{` ${g.scope} of ${g.subject} on ${g.jobName}`}</span></button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="post" action={`${BASE}/admin/grants`} class="row">
        <CsrfField csrf={page.csrf} />
        <label for="grant-subject">Subject (user:EMAIL, esc:NAME or job:NAME)</label>
        <input id="grant-subject" name="subject" required value={form.subject ?? ''} />
        <label for="grant-job">Job (a name or *)</label>
        <input id="grant-job" name="job" required value={form.job ?? ''} />
        <label for="grant-scope">Scope</label>
        <select id="grant-scope" name="scope">
          {SCOPES.map((s) => (
            <option value={s} selected={s === (form.scope ?? 'call_job')}>{s}</option>
          ))}
        </select>
        <button type="submit">Grant</button>
      </form>
    </Layout>
  );
}

export function AuditPage({ page, events }: { page: PageContext; events: AuditEvent[] }): JSX.Element {
  return (
    <Layout title="Audit" page={page}>
      <table class="wide">
        <caption>The latest {events.length} events, newest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Job</th><th scope="col">OK</th><th scope="col">Detail</th></tr></thead>
        <tbody>
          {events.map((e) => (
            <tr class={e.ok ? '' : 'refused'}>
              <td safe>{isoTime(e.at)}</td>
              <td safe>{e.actor}</td>
              <td safe>{e.action}</td>
              <td safe>{e.jobName ?? ''}</td>
              <td>{e.ok ? 'yes' : 'no'}</td>
              <td safe>{e.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
