// Register, log in, and the profile page (token and the ready `racetrack login` line).
import type { TokenRecord } from '../../db/index.js';
import { BASE, CsrfField, Layout, Notice, type PageContext } from './layout.js';
import { isoTime } from './format.js';

export interface CredentialsForm {
  email?: string;
  error?: string;
  done?: string;
}

export function RegisterPage({ page, form }: { page: PageContext; form: CredentialsForm }): JSX.Element {
  return (
    <Layout title="Register" page={page}>
      <Notice error={form.error} done={form.done} />
      <form method="post" action={`${BASE}/register`} class="stack">
        <CsrfField csrf={page.csrf} />
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="email" required value={form.email ?? ''} />
        <label for="password">Password (at least 8 characters)</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" />
        <button type="submit">Register</button>
      </form>
      <p>An admin activates new accounts. <a href={`${BASE}/login`}>Log in</a></p>
    </Layout>
  );
}

export function LoginPage({ page, form, next }: { page: PageContext; form: CredentialsForm; next: string }): JSX.Element {
  return (
    <Layout title="Log in" page={page}>
      <Notice error={form.error} done={form.done} />
      <form method="post" action={`${BASE}/login`} class="stack">
        <CsrfField csrf={page.csrf} />
        <input type="hidden" name="next" value={next} />
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="username" required value={form.email ?? ''} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Log in</button>
      </form>
      <p>No password yet? Set one with <code>ssh rt passwd</code>, or <a href={`${BASE}/register`}>register</a>.</p>
    </Layout>
  );
}

export function ProfilePage(props: { page: PageContext; email: string; admin: boolean; tokens: TokenRecord[]; newToken?: string; remote: string }): JSX.Element {
  const { page, newToken } = props;
  return (
    <Layout title="Profile" page={page}>
      <dl class="facts">
        <dt>Email</dt><dd safe>{props.email}</dd>
        <dt>Role</dt><dd>{props.admin ? 'admin' : 'user'}</dd>
      </dl>
      <h2>API token</h2>
      {newToken ? (
        <>
          <p class="notice done" role="status">Your new token, shown once: copy it now.</p>
          <label for="login-line">Log the CLI in with it:</label>
          <input id="login-line" class="copy" readonly value={`racetrack login ${newToken} --remote ${props.remote}`} />
        </>
      ) : (
        <p>Tokens are stored only as hashes, so one cannot be shown again: make a new one for the CLI.</p>
      )}
      <form method="post" action={`${BASE}/profile/token`}>
        <CsrfField csrf={page.csrf} />
        <button type="submit">Regenerate my dashboard token</button>
      </form>
      <table>
        <caption>Your tokens</caption>
        <thead><tr><th scope="col">ID</th><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th></tr></thead>
        <tbody>
          {props.tokens.map((t) => (
            <tr><td>{t.id}</td><td safe>{t.name}</td><td safe>{isoTime(t.createdAt)}</td><td safe>{isoTime(t.lastUsedAt) || 'never'}</td></tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
