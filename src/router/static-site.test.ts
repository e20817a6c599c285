// The gateway serving a static site (a built hugo job on local) from its folder, with no process behind it: files
// with their types and validators, folders as their index.html, the site's 404 page, the platform's probes and
// metrics, and the attacks: traversal (plain, percent-encoded, backslashes) and symlinks leading out of the site
// to /etc/passwd, to a data dir, to a sibling file.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createGateway, type Gateway } from './gateway.js';
import { InMemoryAsyncTaskStore } from './in-memory-async-task-store.js';
import { RouteTable } from './route-table.js';
import type { CallAuthorizer } from './types.js';

const TOKEN = 'alice-token';
const authorizer: CallAuthorizer = {
  authorizeCall: (token) => (token === TOKEN ? { ok: true, caller: { kind: 'user', name: 'alice@example.com' } } : { ok: false, status: 401, error: token ? 'unknown token' : 'missing token' }),
};
const SECRET = 'the-data-dir-secret';
const PREFIX = '/pub/job/site/1.0.0';

let tmp: string;
let front: http.Server;
let gateway: Gateway;
let port: number;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'rt-static-site-'));
  const site = join(tmp, 'builds', 'site');
  const files: Record<string, string> = {
    'index.html': '<h1>home</h1>',
    '404.html': '<h1>Not found</h1>',
    'css/site.css': 'body { color: red }',
    'posts/first/index.html': '<h1>first</h1>',
    'file with space.txt': 'spaced',
    'data.json': '{"a":1}',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(site, path, '..'), { recursive: true });
    writeFileSync(join(site, path), text);
  }
  mkdirSync(join(tmp, 'data'));
  writeFileSync(join(tmp, 'data', 'secret.txt'), SECRET);
  writeFileSync(join(tmp, 'builds', 'outside.txt'), SECRET);
  symlinkSync('/etc/passwd', join(site, 'passwd'));
  symlinkSync(join(tmp, 'data'), join(site, 'data'));
  symlinkSync('../outside.txt', join(site, 'up.txt'));
  symlinkSync('css/site.css', join(site, 'inner.css'));

  const routes = new RouteTable();
  // a site whose folder was swapped for a link to the data dir
  symlinkSync(join(tmp, 'data'), join(tmp, 'builds', 'swapped'));
  routes.replaceAll([
    { name: 'site', version: '1.0.0', status: 'running', upstreams: [], publicEndpoints: [], promoted: true, staticRoot: site },
    { name: 'swapped', version: '1.0.0', status: 'running', upstreams: [], publicEndpoints: [], promoted: true, staticRoot: join(tmp, 'builds', 'swapped') },
  ]);
  gateway = createGateway({ routes, authorizer, authRequired: true, asyncTasks: new InMemoryAsyncTaskStore(), asyncPollTimeoutMs: 5_000 });
  front = http.createServer((req, res) => gateway.handleRequest(req, res));
  front.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  port = (front.address() as AddressInfo).port;
});

after(async () => {
  await gateway.close();
  front.closeAllConnections();
  await new Promise((r) => front.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A request with its path sent byte for byte as given (fetch would normalise backslashes and dot segments). */
function call(path: string, init: { method?: string; token?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== null) headers['x-racetrack-auth'] = init.token ?? TOKEN;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: path.startsWith('/pub/') ? path : PREFIX + path, method: init.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a static site served by the gateway', () => {
  test('the root is index.html, with its type, length, ETag and Last-Modified', async () => {
    const r = await call('/');
    assert.equal(r.status, 200);
    assert.equal(r.text, '<h1>home</h1>');
    assert.match(r.headers['content-type'] ?? '', /^text\/html; charset=utf-8$/i);
    assert.equal(r.headers['content-length'], String('<h1>home</h1>'.length));
    assert.ok(r.headers.etag);
    assert.ok(r.headers['last-modified']);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.ok(r.headers['x-request-tracing-id']);
  });

  test('content types follow the file names; names with spaces work percent-encoded', async () => {
    assert.match((await call('/css/site.css')).headers['content-type'] ?? '', /^text\/css/);
    assert.match((await call('/data.json')).headers['content-type'] ?? '', /^application\/json/);
    const spaced = await call('/file%20with%20space.txt');
    assert.equal(spaced.status, 200);
    assert.equal(spaced.text, 'spaced');
  });

  test('HEAD has the headers and no body; a matching If-None-Match is 304; a range is 206', async () => {
    const head = await call('/css/site.css', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String('body { color: red }'.length));
    assert.equal(head.text, '');
    const again = await call('/css/site.css', { headers: { 'if-none-match': head.headers.etag! } });
    assert.equal(again.status, 304);
    const part = await call('/css/site.css', { headers: { range: 'bytes=0-3' } });
    assert.equal(part.status, 206);
    assert.equal(part.text, 'body');
  });

  test('a folder is its index.html; without the trailing slash it redirects there, keeping the query', async () => {
    const page = await call('/posts/first/');
    assert.equal(page.status, 200);
    assert.equal(page.text, '<h1>first</h1>');
    const redirect = await call('/posts/first?x=1');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, `${PREFIX}/posts/first/?x=1`);
  });

  test('a missing file is 404 with the site\'s own 404 page; latest resolves too', async () => {
    const r = await call('/no/such/page.html');
    assert.equal(r.status, 404);
    assert.equal(r.text, '<h1>Not found</h1>');
    assert.equal((await call('/pub/job/site/latest/css/site.css')).status, 200);
  });

  test('the site needs a token; the probes do not, and the platform answers them and /metrics', async () => {
    assert.equal((await call('/', { token: null })).status, 401);
    assert.equal((await call('/css/site.css', { token: 'wrong' })).status, 401);
    assert.deepEqual(JSON.parse((await call('/live', { token: null })).text), { live: true });
    assert.deepEqual(JSON.parse((await call('/ready', { token: null })).text), { ready: true });
    const health = JSON.parse((await call('/health', { token: null })).text) as Record<string, unknown>;
    assert.deepEqual([health.job_name, health.job_version, health.status], ['site', '1.0.0', 'pass']);
    const metrics = await call('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /site/);
  });

  test('GET and HEAD only: POST is 405; no async calls, no upgrades', async () => {
    const post = await call('/', { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    assert.equal((await call('/pub/async/new/job/site/1.0.0/', { method: 'POST' })).status, 405);
    const upgrade = await call('/', { headers: { connection: 'upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
    assert.equal(upgrade.status, 405);
  });

  test('attack: traversal, plain, percent-encoded and with backslashes, never leaves the site', async () => {
    for (const path of ['/../outside.txt', '/%2e%2e/outside.txt', '/css/%2E%2E/%2e%2e/outside.txt', '/..%2foutside.txt', '/css/..%2f..%2f..%2fdata%2fsecret.txt',
      '/..\\outside.txt', '/..%5coutside.txt', '/css\\..\\..\\outside.txt', '/%2e%2e%5c%2e%2e%5cdata%5csecret.txt', '/index.html%00.css', '/%']) {
      const r = await call(path);
      assert.ok([400, 404].includes(r.status), `${path}: ${r.status}`);
      assert.ok(!r.text.includes(SECRET) && !r.text.includes('root:'), path);
    }
  });

  test('attack: a symlink in the site to /etc/passwd, to the data dir or to a file beside the site is missing; one inside serves', async () => {
    for (const path of ['/passwd', '/data/secret.txt', '/data/', '/up.txt']) {
      const r = await call(path);
      assert.equal(r.status, 404, path);
      assert.ok(!r.text.includes(SECRET) && !r.text.includes('root:'), path);
    }
    const swapped = await call('/pub/job/swapped/1.0.0/secret.txt');
    assert.equal(swapped.status, 404, 'a site folder that is a link serves nothing');
    assert.ok(!swapped.text.includes(SECRET));
    const inner = await call('/inner.css');
    assert.equal(inner.status, 200);
    assert.equal(inner.text, 'body { color: red }');
  });
});
