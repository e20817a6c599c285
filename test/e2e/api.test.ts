// The /lifecycle/api/v1 HTTP API against the real server: every endpoint, its error statuses, and a deploy
// of an uploaded folder that then serves, and redeploys over ssh like a pushed version.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { FIXTURES, callJob, makeJobRepo, pushSsh, startTestServer, type TestServer } from '../harness.js';

const ADDER_MANIFEST = {
  name: 'adder', owner_email: 'sample@example.com', jobtype: 'python3:latest', version: '0.0.2',
  jobtype_extra: { entrypoint_path: 'adder.py', entrypoint_class: 'AdderModel' },
};

interface Answer {
  status: number;
  json: any; // the assertions read many shapes
  headers: Headers;
}

describe('lifecycle API', () => {
  let server: TestServer;
  let api: (path: string, init?: { method?: string; body?: unknown; raw?: string; token?: string | null; bearer?: boolean }) => Promise<Answer>;

  before(async () => {
    server = await startTestServer();
    api = async (path, init = {}) => {
      const token = init.token === undefined ? server.token : init.token;
      const headers: Record<string, string> = {};
      if (token) headers[init.bearer ? 'authorization' : 'x-racetrack-auth'] = init.bearer ? `Bearer ${token}` : token;
      const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${server.httpUrl}/lifecycle/api/v1${path}`, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
    };
    const pushed = await pushSsh(server, await makeJobRepo('adder'), 'adder');
    assert.equal(pushed.code, 0, pushed.stderr);
  });
  after(async () => {
    await server.cleanup();
  });

  const deployBody = (extra: Record<string, unknown> = {}) => ({
    manifest: ADDER_MANIFEST,
    build_context: execFileSync('tar', ['-czf', '-', '-C', `${FIXTURES}/adder`, '.']).toString('base64'),
    ...extra,
  });

  async function waitForDeploy(id: string): Promise<Answer> {
    for (let i = 0; i < 120; i++) {
      const r = await api(`/deploy/${id}`);
      assert.equal(r.status, 200);
      if (r.json.status !== 'in_progress') return r;
      await new Promise((res) => setTimeout(res, 250));
    }
    throw new Error(`deployment ${id} did not end`);
  }

  test('GET /info needs no token and tells version, auth, targets and URL, nothing secret', async () => {
    const r = await api('/info', { token: null });
    assert.equal(r.status, 200);
    assert.equal(r.json.service, 'racetrack');
    assert.equal(r.json.auth_required, true);
    assert.ok(r.json.infrastructure_targets.includes('local'));
    assert.equal(r.json.public_url, server.httpUrl);
    assert.ok(!JSON.stringify(r.json).includes(server.token));
  });

  test('no token or a wrong one is 401; X-Racetrack-Auth and Authorization: Bearer both work', async () => {
    assert.equal((await api('/job', { token: null })).status, 401);
    const wrong = await api('/job', { token: 'nope' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.json.error, /unknown or revoked token/);
    assert.equal((await api('/job')).status, 200);
    assert.equal((await api('/job', { bearer: true })).status, 200);
  });

  test('GET /job lists job versions in the shape ssh jobs list --json uses', async () => {
    const r = await api('/job');
    const adder = r.json.find((j: { name: string }) => j.name === 'adder');
    assert.deepEqual({ version: adder.version, status: adder.status, latest: adder.latest }, { version: '0.0.2', status: 'running', latest: true });
    const ssh = JSON.parse((await server.ssh('jobs list --json')).stdout) as unknown[];
    assert.deepEqual(Object.keys(adder).sort(), Object.keys(ssh[0] as object).sort());
  });

  test('GET /job/NAME/VERSION: exact or latest; a missing job is 404, a bad name 400', async () => {
    for (const v of ['0.0.2', 'latest']) {
      const r = await api(`/job/adder/${v}`);
      assert.equal(r.status, 200);
      assert.equal(r.json.version, '0.0.2');
      assert.match(r.json.url, /\/pub\/job\/adder\/0\.0\.2\/$/);
    }
    const missing = await api('/job/nope/latest');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error, 'job "nope" not found');
    assert.equal((await api('/job/adder/9.9.9')).json.error, 'job "adder" version "9.9.9" not found');
    assert.equal((await api('/job/-bad/latest')).status, 400);
  });

  test('logs and build-logs of a version', async () => {
    const logs = await api('/job/adder/latest/logs?tail=50');
    assert.equal(logs.status, 200);
    assert.match(logs.json.logs, /job adder 0\.0\.2 is ready/);
    assert.equal((await api('/job/adder/latest/logs?tail=-1')).status, 400);
    const build = await api('/job/adder/0.0.2/build-logs');
    assert.match(build.json.logs, /-----> Building adder 0\.0\.2 \(python3\)/);
  });

  test('register makes an inactive user; login is refused until an admin activates it; a non-admin may not delete', async () => {
    const reg = await api('/users/register', { token: null, body: { username: 'Bob@Example.com', password: 'hunter22' } });
    assert.equal(reg.status, 201);
    assert.deepEqual(reg.json, { username: 'bob@example.com', active: false });
    assert.equal((await api('/users/login', { token: null, body: { username: 'bob@example.com', password: 'hunter22' } })).status, 403);
    assert.equal((await server.ssh('users activate bob@example.com')).code, 0);
    const login = await api('/users/login', { token: null, body: { email: 'bob@example.com', password: 'hunter22' } });
    assert.equal(login.status, 200);
    assert.deepEqual({ username: login.json.username, is_staff: login.json.is_staff }, { username: 'bob@example.com', is_staff: false });
    const bob = login.json.token as string;
    assert.equal((await api('/job/adder/latest', { token: bob })).status, 200);
    const del = await api('/job/adder/0.0.2', { method: 'DELETE', token: bob });
    assert.equal(del.status, 403);
    assert.match(del.json.error, /no delete_job permission/);
  });

  test('register errors: not an email 400, no password 400; an existing user gets the same answer as a new one', async () => {
    assert.equal((await api('/users/register', { token: null, body: { username: 'bob', password: 'x' } })).status, 400);
    assert.equal((await api('/users/register', { token: null, body: { username: 'carol@example.com' } })).status, 400);
    const again = await api('/users/register', { token: null, body: { username: 'bob@example.com', password: 'x' } });
    assert.deepEqual([again.status, again.json], [201, { username: 'bob@example.com', active: false }]);
  });

  test('a body over the limit is 413', async () => {
    const r = await api('/users/login', { token: null, body: { username: 'x@example.com', password: 'p'.repeat(100_000) } });
    assert.equal(r.status, 413);
    assert.match(r.json.error, /larger than 64 KiB/);
  });

  test('a wrong password is 401 and audited', async () => {
    const r = await api('/users/login', { token: null, body: { username: 'bob@example.com', password: 'wrong' } });
    assert.equal(r.status, 401);
    const audit = JSON.parse((await server.ssh('audit --json')).stdout) as { action: string; actor: string; ok: boolean }[];
    assert.ok(audit.some((e) => e.action === 'user.login' && e.actor === 'user:bob@example.com' && !e.ok));
  });

  test('POST /deploy refuses bad bodies with 400, naming the problem', async () => {
    const cases: [string | unknown, RegExp][] = [
      ['{not json', /not JSON/],
      [{ build_context: 'AAAA' }, /manifest/],
      [{ manifest: ADDER_MANIFEST }, /build_context: required/],
      [{ manifest: ADDER_MANIFEST, build_context: 'not base64!' }, /not base64/],
      [{ manifest: ADDER_MANIFEST, build_context: Buffer.from('plain text').toString('base64') }, /not a gzip-compressed tar/],
      [{ manifest: { ...ADDER_MANIFEST, name: '../x' }, build_context: 'AAAA' }, /invalid job name/],
      [deployBody({ force: 'yes' }), /force/],
    ];
    for (const [body, error] of cases) {
      const r = await api('/deploy', typeof body === 'string' ? { raw: body } : { body });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(r.json.error, error);
    }
    const escape = execFileSync('python3', ['-c', [
      'import io, sys, tarfile', 'b = io.BytesIO()', 't = tarfile.open(fileobj=b, mode="w:gz")',
      'i = tarfile.TarInfo("../evil"); i.size = 1; t.addfile(i, io.BytesIO(b"x")); t.close()', 'sys.stdout.buffer.write(b.getvalue())',
    ].join('\n')]);
    const r = await api('/deploy', { body: { manifest: ADDER_MANIFEST, build_context: escape.toString('base64') } });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /"\.\.\/evil" leaves the build folder/);
  });

  test('POST /deploy of a deployed version from other code is 409 without force', async () => {
    const r = await api('/deploy', { body: deployBody() });
    assert.equal(r.status, 409);
    assert.match(r.json.error, /version 0\.0\.2 of adder is already deployed from commit/);
  });

  test('POST /deploy with force deploys the upload: poll to done, call 42, then ssh jobs redeploy works on it', async () => {
    const r = await api('/deploy', { body: deployBody({ force: true }) });
    assert.equal(r.status, 202, JSON.stringify(r.json));
    const done = await waitForDeploy(r.json.id);
    assert.equal(done.json.status, 'done', done.json.log);
    assert.match(done.json.log, /-----> Building adder 0\.0\.2 \(python3\)/);
    assert.equal(done.json.job.version, '0.0.2');
    const call = await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [40, 2] } });
    assert.equal(call.json, 42);
    const info = JSON.parse((await server.ssh('jobs info adder 0.0.2 --json')).stdout) as { commit: string };
    assert.equal(info.commit, done.json.job.commit);
    const redeploy = await server.ssh('jobs redeploy adder 0.0.2');
    assert.equal(redeploy.code, 0, redeploy.stderr);
    assert.match(redeploy.stdout, /adder 0\.0\.2 is ready/);
    assert.equal((await callJob(server, '/pub/job/adder/0.0.2/api/v1/perform', { body: { numbers: [40, 2] } })).json, 42);
  });

  test('GET /deploy lists deployments; an unknown one is 404; unknown routes 404, wrong methods 405', async () => {
    const list = await api('/deploy');
    assert.ok(list.json.length >= 2);
    assert.equal((await api('/deploy/nope')).status, 404);
    assert.equal((await api('/nothing-here')).status, 404);
    const wrong = await api('/info', { method: 'DELETE' });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get('allow'), 'GET');
  });

  test('DELETE /job/NAME/VERSION removes it; then it is 404', async () => {
    const r = await api('/job/adder/0.0.2', { method: 'DELETE' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { name: 'adder', version: '0.0.2', deleted: true });
    assert.equal((await api('/job/adder/0.0.2', { method: 'DELETE' })).status, 404);
    assert.equal((await callJob(server, '/pub/job/adder/0.0.2/api/v1/perform', { body: { numbers: [1] } })).status, 404);
  });
});
