// The dashboard in a real browser: every page as a user and as an admin, forms, CSRF, the session cookie
// (HttpOnly, usable on /pub, ended by logout, kept across a restart), no console errors, axe-core clean.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yazl from 'yazl';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ROOT, callJob, makeJobRepo, pushSsh, startTestServer, type TestServer } from '../harness.js';
import { cookiesOf, navigateRequest } from '../dashboard-requests.js';
import { CHROMIUM, assertAccessible, launchChromium, logIn, trackedPage, visit } from './browser.js';

const ADMIN = 'admin@racetrack.local';
const ADMIN_PASSWORD = 'admin password 1';
const DEV = 'dev@example.com';
const DEV_PASSWORD = 'dev password 1';
const PENDING = 'pending@example.com';
const XSS_EMAIL = '<img/src=x/onerror=alert(1)>@evil.io';
const REFUSED = 'wrong email or password, or the account is not active yet';
const SESSION_COOKIE = 'X-Racetrack-Auth';
const skip = existsSync(CHROMIUM) ? false : `skipped: no chromium at ${CHROMIUM}`;

describe('dashboard in chromium', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  let adminPage: Page;
  let adminErrors: string[] = [];
  const url = (path: string) => `${server.httpUrl}${path}`;

  before(async () => {
    server = await startTestServer();
    const passwd = await server.ssh('passwd', `${ADMIN_PASSWORD}\n`);
    assert.equal(passwd.code, 0, passwd.stderr);
    const push = await pushSsh(server, await makeJobRepo('adder'), 'adder');
    assert.equal(push.code, 0, push.stderr);
    for (const email of [PENDING, XSS_EMAIL]) {
      const r = await fetch(url('/lifecycle/api/v1/users/register'), { method: 'POST', body: JSON.stringify({ username: email, password: 'pending password' }) });
      assert.equal(r.status, 201, await r.text());
    }
    browser = await launchChromium();
    admin = await browser.newContext();
    const tracked = await trackedPage(admin);
    adminPage = tracked.page;
    adminErrors = tracked.errors;
    adminPage.on('dialog', (d) => {
      adminErrors.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
  });
  after(async () => {
    await browser?.close();
    await server?.cleanup();
  });

  test('ssh rt passwd: a short password is refused, naming the field', async () => {
    const r = await server.ssh('passwd', 'short\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /password: must be 8–1024 characters/);
  });

  test('a visitor registers; a bad form is shown again with its values and the error', async () => {
    const context = await browser.newContext();
    const { page, errors: pageErrors } = await trackedPage(context);
    await visit(page, url('/dashboard/register'), 'Register');
    await page.fill('#email', DEV);
    await page.fill('#password', 'short');
    await page.evaluate(() => document.querySelector('#password')!.removeAttribute('minlength')); // the server checks too
    const bad = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('main button[type=submit]')]);
    assert.equal(bad[0].status(), 400);
    assert.match(await page.locator('[role=alert]').textContent() ?? '', /password: must be at least 8 characters/);
    assert.equal(await page.inputValue('#email'), DEV);
    await page.fill('#password', DEV_PASSWORD);
    await page.click('main button[type=submit]');
    assert.match(await page.locator('[role=status]').textContent() ?? '', /an admin must activate the account/);
    await assertAccessible(page);
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('the admin logs in with an HttpOnly, SameSite=Lax session cookie the page script cannot read', async () => {
    await visit(adminPage, url('/dashboard/login'), 'Log in');
    await logIn(adminPage, server.httpUrl, ADMIN, ADMIN_PASSWORD);
    const cookie = (await admin.cookies()).find((c) => c.name === SESSION_COOKIE);
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    assert.doesNotMatch(await adminPage.evaluate(() => document.cookie), /X-Racetrack-Auth/i);
  });

  test('jobs, one job (live log, chart), deployments: every version with its links', async () => {
    const call = await callJob(server, '/pub/job/adder/0.0.2/api/v1/perform', { body: { numbers: [40, 2] } });
    assert.equal(call.status, 200);
    await visit(adminPage, url('/dashboard/jobs'), 'Jobs');
    const row = adminPage.locator('tbody tr', { hasText: 'adder' });
    assert.match(await row.textContent() ?? '', /0\.0\.2.*running.*python3.*local/s);
    assert.equal(await row.getByRole('link', { name: /Swagger/ }).getAttribute('href'), `${server.httpUrl}/pub/job/adder/0.0.2/docs`);

    await adminPage.getByRole('link', { name: 'adder', exact: true }).click();
    assert.equal(await adminPage.locator('h1').textContent(), 'Job adder');
    await assertAccessible(adminPage);
    await adminPage.locator('#calls-chart canvas').waitFor(); // uPlot drew the call made above
    await adminPage.waitForFunction(() => (document.querySelector('#live-log')?.textContent ?? '').length > 0, undefined, { timeout: 15_000 });
    assert.match(await adminPage.locator('pre[aria-label="build log"]').textContent() ?? '', /adder/);

    await visit(adminPage, url('/dashboard/deployments'), 'Deployments');
    await adminPage.locator('tbody tr a').first().click();
    assert.match(await adminPage.locator('h1').textContent() ?? '', /^Deployment /);
    assert.match(await adminPage.locator('dl').textContent() ?? '', /adder 0\.0\.2.*done/s);
    await assertAccessible(adminPage);
  });

  test('profile: regenerating the token gives a working `racetrack login` line', async () => {
    await visit(adminPage, url('/dashboard/profile'), 'Profile');
    await adminPage.getByRole('button', { name: 'Regenerate my dashboard token' }).click();
    const line = await adminPage.inputValue('#login-line');
    const m = new RegExp(`^racetrack login (\\S+) --remote ${server.httpUrl}$`).exec(line);
    assert.ok(m, line);
    const r = await callJob(server, '/pub/job/adder/0.0.2/api/v1/perform', { body: { numbers: [1, 2] }, token: m[1]! });
    assert.equal(r.json, 3);
    await assertAccessible(adminPage);
  });

  test('admin: users (activate, when registered; emails are shown as text), ESCs and grants, audit', async () => {
    await visit(adminPage, url('/dashboard/admin/users'), 'Users');
    assert.ok(await adminPage.getByRole('cell', { name: XSS_EMAIL, exact: true }).isVisible(), 'the email shown as text');
    await adminPage.getByRole('button', { name: `Activate ${DEV}` }).click();
    assert.match(await adminPage.locator('[role=status]').textContent() ?? '', new RegExp(`${DEV} activated \\(registered \\d{4}-.* from 127\\.0\\.0\\.1\\)`));

    await visit(adminPage, url('/dashboard/admin/escs'), 'ESCs and grants');
    await adminPage.fill('#esc-name', 'bad name!');
    await adminPage.getByRole('button', { name: 'Create ESC' }).click();
    assert.match(await adminPage.locator('[role=alert]').textContent() ?? '', /esc name/);
    assert.equal(await adminPage.inputValue('#esc-name'), 'bad name!');
    await adminPage.fill('#esc-name', 'billing');
    await adminPage.getByRole('button', { name: 'Create ESC' }).click();
    await adminPage.fill('#grant-subject', 'esc:billing');
    await adminPage.fill('#grant-job', 'adder');
    await adminPage.selectOption('#grant-scope', 'call_job');
    await adminPage.getByRole('button', { name: 'Grant' }).click();
    assert.match(await adminPage.locator('[role=status]').textContent() ?? '', /granted call_job on adder to esc:billing/);
    await adminPage.getByRole('button', { name: 'Revoke call_job of esc:billing on adder' }).click();
    assert.match(await adminPage.locator('[role=status]').textContent() ?? '', /revoked/);
    await assertAccessible(adminPage);

    await visit(adminPage, url('/dashboard/admin/audit'), 'Audit');
    assert.match(await adminPage.locator('tbody').textContent() ?? '', /esc\.create.*user\.activate/s);
  });

  test('admin: plugins are listed; a zip is installed through the upload form and removed; a bad upload is refused', async () => {
    await visit(adminPage, url('/dashboard/admin/plugins'), 'Plugins');
    assert.match(await adminPage.locator('tbody').textContent() ?? '', /python3.*adder v0\.0\.2/s);
    await adminPage.setInputFiles('#plugin-zip', { name: 'not-a.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip') });
    await adminPage.getByRole('button', { name: 'Install' }).click();
    assert.match(await adminPage.locator('[role=alert]').textContent() ?? '', /zip/i);
    await adminPage.setInputFiles('#plugin-zip', { name: 'node-script.zip', mimeType: 'application/zip', buffer: await examplePluginZip() });
    await adminPage.getByRole('button', { name: 'Install' }).click();
    assert.equal(await adminPage.locator('[role=status]').textContent(), 'installed job-type plugin node-script@1.0.0');
    await assertAccessible(adminPage);
    await adminPage.getByRole('button', { name: 'Remove node-script@1.0.0' }).click();
    assert.equal(await adminPage.locator('[role=status]').textContent(), 'removed plugin node-script@1.0.0');
  });

  test('the session cookie calls the job from the browser, as Swagger\'s "Try it out" does', async () => {
    const page = await admin.newPage();
    const docs = await page.goto(url('/pub/job/adder/0.0.2/docs'));
    assert.equal(docs?.status(), 200);
    const answer = await page.evaluate(async () => {
      const r = await fetch('/pub/job/adder/0.0.2/api/v1/perform', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"numbers":[40,2]}' });
      return { status: r.status, body: await r.text() };
    });
    assert.deepEqual(answer, { status: 200, body: '42' });
    await page.close();
  });

  test('a job\'s page (same origin) cannot read dashboard pages with the admin\'s cookie, nor script a dashboard window', async () => {
    const page = await admin.newPage();
    await page.goto(url('/pub/job/adder/0.0.2/docs')); // the job's own page: its scripts run on this origin
    const attack = await page.evaluate(async () => {
      const r = await fetch('/dashboard/admin/escs', { credentials: 'include' });
      const text = await r.text();
      const popup = window.open('/dashboard/profile');
      await new Promise((done) => setTimeout(done, 1500));
      let popupText: string | null = null;
      try {
        popupText = popup?.document?.body?.textContent ?? null;
      } catch {
        popupText = null;
      }
      return { status: r.status, leaked: /_csrf/.test(text), popupText };
    });
    assert.equal(attack.status, 403);
    assert.equal(attack.leaked, false);
    assert.doesNotMatch(attack.popupText ?? '', /Profile|_csrf|admin@/);
    await Promise.all(admin.pages().filter((p) => p !== adminPage).map((p) => p.close()));
  });

  test('login: a wrong password, an unknown email and an inactive account get the same answer', async () => {
    const context = await browser.newContext();
    const { page } = await trackedPage(context);
    for (const [email, password] of [[DEV, 'not the password'], ['nobody@example.com', DEV_PASSWORD], [PENDING, 'pending password']] as const) {
      await page.goto(url('/dashboard/login'));
      await page.fill('#email', email);
      await page.fill('#password', password);
      await page.click('main button[type=submit]');
      assert.equal(await page.locator('[role=alert]').textContent(), REFUSED, email);
      assert.equal(await page.inputValue('#email'), email);
    }
    await context.close();
  });

  test('a user sees the user pages, is refused the admin ones, and a forged form is refused (CSRF)', async () => {
    const context = await browser.newContext();
    const { page, errors: pageErrors } = await trackedPage(context);
    await logIn(page, server.httpUrl, DEV, DEV_PASSWORD);
    await visit(page, url('/dashboard/jobs'), 'Jobs');
    await visit(page, url('/dashboard/jobs/adder?version=0.0.2'), 'Job adder');
    await visit(page, url('/dashboard/deployments'), 'Deployments');
    await visit(page, url('/dashboard/profile'), 'Profile');
    for (const path of ['/dashboard/admin/users', '/dashboard/admin/escs', '/dashboard/admin/plugins', '/dashboard/admin/audit']) await visit(page, url(path), 'Not allowed', 403);
    assert.doesNotMatch(await page.locator('nav').textContent() ?? '', /Users|Plugins|Audit/);

    await page.goto(url('/dashboard/profile'));
    await page.evaluate(() => document.querySelectorAll<HTMLInputElement>('input[name=_csrf]').forEach((i) => (i.value = 'forged')));
    const [forged] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Regenerate my dashboard token' }).click()]);
    assert.equal(forged.status(), 403);
    assert.match(await page.locator('[role=alert]').textContent() ?? '', /out of date or was sent from another site/);
    // another site's form: the session cookie rides along (a top-level POST would not, being Lax), no CSRF token
    const session = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)!.value;
    const crossSite = await navigateRequest(url('/dashboard/profile/token'), {
      headers: { cookie: `${SESSION_COOKIE}=${session}`, origin: 'http://evil.example' }, form: {},
    });
    assert.equal(crossSite.status, 403);
    assert.match(crossSite.text, /out of date or was sent from another site/);
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('logout ends the session (on /pub too); a page asked for later goes through login and back', async () => {
    const context = await browser.newContext();
    const { page } = await trackedPage(context);
    await logIn(page, server.httpUrl, DEV, DEV_PASSWORD);
    const session = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)!.value;
    await page.getByRole('button', { name: /Log out/ }).click();
    await page.waitForURL(/\/dashboard\/login$/);
    const pub = await callJob(server, '/pub/job/adder/0.0.2/api/v1/perform', { body: { numbers: [1] }, token: null, headers: { cookie: `${SESSION_COOKIE}=${session}` } });
    assert.equal(pub.status, 401);
    await page.goto(url('/dashboard/jobs/adder?version=0.0.2'));
    assert.match(page.url(), /\/dashboard\/login\?next=%2Fdashboard%2Fjobs%2Fadder%3Fversion%3D0\.0\.2$/);
    await page.fill('#email', DEV);
    await page.fill('#password', DEV_PASSWORD);
    await page.click('main button[type=submit]');
    await page.waitForURL(/\/dashboard\/jobs\/adder\?version=0\.0\.2$/);
    await context.close();
  });

  test('without JavaScript: log in and read the jobs', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await logIn(page, server.httpUrl, DEV, DEV_PASSWORD);
    await page.goto(url('/dashboard/jobs'));
    assert.match(await page.locator('tbody').textContent() ?? '', /adder/);
    await context.close();
  });

  test('a session survives a server restart', async () => {
    server = await server.restart();
    await visit(adminPage, url('/dashboard/profile'), 'Profile');
    assert.deepEqual(adminErrors, [], 'console errors or dialogs on the admin\'s pages');
  });

  // last: these spend 127.0.0.1's budgets (kept in memory, so a restart would reset them)
  test('password guessing is throttled per address, and so is registration', async () => {
    const form = await navigateRequest(url('/dashboard/login'));
    const jar = cookiesOf(form.setCookies);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
    const post = (path: string, fields: Record<string, string>) => navigateRequest(url(path), { headers: { cookie: jar }, form: { _csrf: csrf, ...fields } });
    const statuses: number[] = [];
    for (let i = 0; i < 25 && !statuses.includes(429); i++) statuses.push((await post('/dashboard/login', { email: DEV, password: `guess ${i}` })).status);
    assert.equal(statuses.at(-1), 429, `statuses: ${statuses.join(' ')}`);
    assert.ok(statuses.slice(0, -2).every((st) => st === 401), `statuses: ${statuses.join(' ')}`);
    const right = await post('/dashboard/login', { email: DEV, password: DEV_PASSWORD });
    assert.equal(right.status, 429, 'the right password is refused too while the address is blocked');
    assert.match(right.text, /too many failed attempts/);

    let registered: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 12; i++) {
      registered = await post('/dashboard/register', { email: `flood${i}@example.com`, password: 'flood password' });
      if (registered.status === 429) break;
    }
    assert.equal(registered?.status, 429);
  });
});

/** examples/plugins/node-script as a zip, made with yazl like any zip tool. */
async function examplePluginZip(): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const name of ['plugin.yaml', 'plugin.mjs', 'wrapper.mjs']) zip.addBuffer(readFileSync(join(ROOT, 'examples', 'plugins', 'node-script', name)), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
