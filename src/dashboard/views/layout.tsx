// The page frame: head, navigation for the signed-in user, the logout form. Every page renders through it.
import type { PropsWithChildren } from '@kitajs/html';
import type { Subject } from '../../auth/index.js';

export interface PageContext {
  /** the signed-in user, if any */
  subject?: Subject;
  /** the CSRF token every form on the page carries */
  csrf: string;
}

export const BASE = '/dashboard';

export function CsrfField({ csrf }: { csrf: string }): JSX.Element {
  return <input type="hidden" name="_csrf" value={csrf} />;
}

export function Layout(props: PropsWithChildren<{ title: string; page: PageContext; scripts?: string[]; styles?: string[] }>): JSX.Element {
  const { subject, csrf } = props.page;
  const admin = subject?.kind === 'user' && subject.user.isAdmin;
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{`${props.title} · Racetrack`}</title>
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href={`${BASE}/static/style.css`} />
          {(props.styles ?? []).map((href) => <link rel="stylesheet" href={href} />)}
          {(props.scripts ?? []).map((src) => <script src={src} defer></script>)}
        </head>
        <body>
          <header class="top">
            <a class="brand" href={`${BASE}/`}>Racetrack</a>
            {subject ? (
              <nav aria-label="main">
                <a href={`${BASE}/jobs`}>Jobs</a>
                <a href={`${BASE}/deployments`}>Deployments</a>
                <a href={`${BASE}/profile`}>Profile</a>
                {admin && (
                  <>
                    <a href={`${BASE}/admin/users`}>Users</a>
                    <a href={`${BASE}/admin/escs`}>ESCs &amp; grants</a>
                    <a href={`${BASE}/admin/plugins`}>Plugins</a>
                    <a href={`${BASE}/admin/audit`}>Audit</a>
                  </>
                )}
                <form method="post" action={`${BASE}/logout`} class="inline">
                  <CsrfField csrf={csrf} />
                  <button type="submit" class="link">Log out <span safe>{subject.name}</span></button>
                </form>
              </nav>
            ) : (
              <nav aria-label="main">
                <a href={`${BASE}/login`}>Log in</a>
                <a href={`${BASE}/register`}>Register</a>
              </nav>
            )}
          </header>
          <main>
            <h1 safe>{props.title}</h1>
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}

/** A message above a form: what went wrong, or what was done. */
export function Notice({ error, done }: { error?: string; done?: string }): JSX.Element {
  if (error) return <p class="notice error" role="alert" safe>{error}</p>;
  if (done) return <p class="notice done" role="status" safe>{done}</p>;
  return <></>;
}
