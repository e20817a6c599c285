// The dashboard from node:http, as a browser's form navigation reaches it: for tests that need no browser.
import assert from 'node:assert/strict';
import { request as httpRequest, type Agent } from 'node:http';

export interface PlainResponse {
  status: number;
  setCookies: string[];
  text: string;
}

/**
 * A request as a browser's form navigation makes it (`Sec-Fetch-Mode: navigate`), from node:http: node's fetch
 * always says `cors`, and the dashboard answers navigations only.
 */
export function navigateRequest(url: string, opts: { method?: string; headers?: Record<string, string>; form?: Record<string, string>; agent?: Agent } = {}): Promise<PlainResponse> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      agent: opts.agent,
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers: {
        'sec-fetch-mode': 'navigate',
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }),
        ...opts.headers,
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookies: res.headers['set-cookie'] ?? [], text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** the Cookie header that sends back what these Set-Cookie headers set */
export const cookiesOf = (setCookies: string[]): string => setCookies.map((c) => c.split(';')[0]).join('; ');

/** Logs in through the dashboard's form (CSRF token and all); the Cookie header of the session. */
export async function dashboardSession(base: string, email: string, password: string): Promise<string> {
  const form = await navigateRequest(`${base}/dashboard/login`);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
  assert.ok(csrf, 'the login form carries a CSRF token');
  const login = await navigateRequest(`${base}/dashboard/login`, { headers: { cookie: cookiesOf(form.setCookies) }, form: { _csrf: csrf, email, password, next: '/dashboard/jobs' } });
  assert.equal(login.status, 303, login.text);
  const session = login.setCookies.find((c) => c.startsWith('X-Racetrack-Auth='));
  assert.ok(session, 'login sets the session cookie');
  return cookiesOf([session]);
}
