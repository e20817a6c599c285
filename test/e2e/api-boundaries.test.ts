// The API's edges that express's defaults would change: only tokens authenticate (never the dashboard's session
// cookie: the API has no CSRF protection), methods match exactly, malformed escapes are 400, and a body past its
// bound is cut off rather than read to its end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { dashboardSession, navigateRequest } from '../dashboard-requests.js';
import { startTestServer, type TestServer } from '../harness.js';

const ADMIN = 'admin@racetrack.local';
const PASSWORD = 'admin password 1';

describe('lifecycle API boundaries', () => {
  let server: TestServer;
  const api = (path: string) => `${server.httpUrl}/lifecycle/api/v1${path}`;

  before(async () => {
    server = await startTestServer();
    const passwd = await server.ssh('passwd', `${PASSWORD}\n`);
    assert.equal(passwd.code, 0, passwd.stderr);
  });
  after(async () => {
    await server.cleanup();
  });

  test('the dashboard session cookie, which opens dashboard pages, authenticates no API call', async () => {
    const session = await dashboardSession(server.httpUrl, ADMIN, PASSWORD);
    const page = await navigateRequest(`${server.httpUrl}/dashboard/jobs`, { headers: { cookie: session } });
    assert.equal(page.status, 200);
    const list = await fetch(api('/job'), { headers: { cookie: session } });
    assert.equal(list.status, 401);
    const del = await fetch(api('/plugin/python3'), { method: 'DELETE', headers: { cookie: session } });
    assert.equal(del.status, 401);
    assert.match(((await del.json()) as { error: string }).error, /token/);
  });

  test('a malformed escape in a path parameter is a 400 naming it', async () => {
    const r = await fetch(api('/job/%E0%A4%A/1'), { headers: { 'x-racetrack-auth': server.token } });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { error: 'malformed URL segment "%E0%A4%A"' });
  });

  test('methods match exactly: HEAD on a GET endpoint is 405', async () => {
    const r = await fetch(api('/info'), { method: 'HEAD' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET');
  });

  test('a chunked body past the limit is cut off, not read to its end', async () => {
    const total = 256 * 1024 * 1024;
    const written = await sendChunked(api('/users/login'), total);
    assert.ok(written < total, `the server read all ${written} bytes`);
  });
});

/** Writes up to `total` bytes of chunked body; how many were written when the server closed the connection. */
function sendChunked(url: string, total: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    let closed = false;
    req.on('error', () => undefined);
    req.on('response', (res) => res.resume());
    req.on('close', () => {
      closed = true;
      resolve(written);
    });
    const pump = (): void => {
      while (!closed && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!closed) req.end();
    };
    pump();
  });
}

/** Logs in through the dashboard's form as a browser would; the session cookie as a Cookie header. */
