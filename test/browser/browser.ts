// Debian's chromium driven by playwright-core (no browser download), with the checks every page gets:
// no console errors, and axe-core run in the page finds no serious or critical violations.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.RACETRACK_TEST_CHROMIUM ?? '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export function launchChromium(): Promise<Browser> {
  // root (CI containers) cannot use chromium's own sandbox
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/** A page that records console errors and uncaught exceptions. */
export async function trackedPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // a refused page (400, 403…) is logged by chromium too; the tests assert those statuses themselves
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text()) && m.location().url === page.url()) return;
    errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  return { page, errors };
}

/** axe-core evaluated in the page (over CDP, so the page's CSP does not apply to it). */
export async function assertAccessible(page: Page): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run();
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  assert.deepEqual(violations, [], `${page.url()}: accessibility violations`);
}

/** Opens `url`, checks the status, the heading and accessibility. */
export async function visit(page: Page, url: string, heading: string | RegExp, status = 200): Promise<void> {
  const res = await page.goto(url);
  assert.equal(res?.status(), status, `${url}: status`);
  const h1 = await page.locator('h1').textContent();
  assert.match(h1 ?? '', typeof heading === 'string' ? new RegExp(`^${heading}$`) : heading, `${url}: heading`);
  await assertAccessible(page);
}

export async function logIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/dashboard/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(/\/dashboard\/(?!login)/), page.click('main button[type=submit]')]);
}
