// Admin pages; AccessService and AuditLog check that the subject is an admin (and audit a refusal).
import { Router, type Request, type Response } from 'express';
import { RtError } from '../../core/errors.js';
import { field, pageOf, requireSubject, sendPage, type DashboardDeps } from '../context.js';
import { AuditPage, EscsPage, UsersPage, type Flash, type GrantForm } from '../views/admin.js';

const AUDIT_EVENTS = 200;

export function adminRoutes({ services }: DashboardDeps): Router {
  const { access, audit, auth } = services;
  const r = Router();

  const users = (req: Request, res: Response, flash: Flash = {}, status = 200) =>
    sendPage(res, <UsersPage page={pageOf(req, res)} users={access.listUsers(requireSubject(res))} flash={flash} />, status);
  r.get('/admin/users', (req, res) => users(req, res));
  r.post('/admin/users/active', (req, res) => {
    const active = field(req, 'active') === 'true';
    return attempt(res, () => {
      const before = access.setActive(requireSubject(res), field(req, 'email'), active);
      const registered = before.registeredAt ? ` (registered ${new Date(before.registeredAt).toISOString()} from ${before.registeredFrom ?? '?'})` : '';
      return users(req, res, { done: `${before.email} ${active ? 'activated' : 'deactivated'}${registered}` });
    }, (error, status) => users(req, res, { error }, status));
  });

  type EscsExtra = { flash?: Flash; form?: GrantForm & { esc?: string }; newToken?: { esc: string; token: string } };
  const escs = (req: Request, res: Response, extra: EscsExtra = {}, status = 200) => {
    const subject = requireSubject(res);
    return sendPage(res, <EscsPage page={pageOf(req, res)} escs={access.listEscs(subject)} grants={access.grants(subject)}
      flash={extra.flash ?? {}} form={extra.form ?? {}} newToken={extra.newToken} />, status);
  };
  r.get('/admin/escs', (req, res) => escs(req, res));
  r.post('/admin/escs', (req, res) => {
    const name = field(req, 'name');
    return attempt(res, () => {
      access.createEsc(requireSubject(res), name);
      return escs(req, res, { flash: { done: `ESC ${name} created` } });
    }, (error, status) => escs(req, res, { flash: { error }, form: { esc: name } }, status));
  });
  r.post('/admin/escs/token', (req, res) => {
    const name = field(req, 'name');
    return attempt(res, () => escs(req, res, { newToken: { esc: name, token: access.escToken(requireSubject(res), name).token } }),
      (error, status) => escs(req, res, { flash: { error } }, status));
  });
  for (const [path, verb] of [['/admin/grants', 'grant'], ['/admin/grants/revoke', 'revoke']] as const) {
    r.post(path, (req, res) => {
      const form = { subject: field(req, 'subject'), job: field(req, 'job'), scope: field(req, 'scope') };
      return attempt(res, () => {
        access[verb](requireSubject(res), form.subject, form.job, form.scope);
        return escs(req, res, { flash: { done: `${verb === 'grant' ? 'granted' : 'revoked'} ${form.scope} on ${form.job} ${verb === 'grant' ? 'to' : 'from'} ${form.subject}` } });
      }, (error, status) => escs(req, res, { flash: { error }, form: verb === 'grant' ? form : {} }, status));
    });
  }

  r.get('/admin/audit', (req, res) => {
    auth.requireAdmin(requireSubject(res));
    return sendPage(res, <AuditPage page={pageOf(req, res)} events={audit.list({ limit: AUDIT_EVENTS })} />);
  });
  return r;
}

/**
 * Runs a form's action; a refusal the user can act on (bad input, not found, conflict) re-shows the page with
 * the message and the values. Not being an admin is not such a refusal: it goes to the error page.
 */
function attempt(res: Response, action: () => Promise<void>, again: (error: string, status: number) => Promise<void>): Promise<void> {
  try {
    return action();
  } catch (e) {
    if (e instanceof RtError && e.httpStatus < 500 && e.httpStatus !== 403 && e.httpStatus !== 401 && res.locals.subject) return again(e.message, e.httpStatus);
    throw e;
  }
}
