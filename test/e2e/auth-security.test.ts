// Auth and ownership attacks (security issue 10), each performed against a running server over real ssh, git
// and HTTP: family tokens that outlive their family, pushing over someone else's job, probing and squatting
// registrations, control characters reaching a terminal, parallel guessing, and command groups without help.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import {
  callJob, makeJobRepo, makeSshKey, pushHttp, pushSsh, run, sshArgs, startTestServer, tempDir, waitFor, type RunResult, type TestServer,
} from '../harness.js';

/** A job that answers with its own AUTH_TOKEN, carries a label with a bidi override and a C1 control, and logs terminal escapes. */
const TATTLE = {
  'job.yaml': 'name: tattle\njobtype: python3\nversion: 1.0.0\nlabels:\n  team: "a\\u202eb\\x9bc"\njobtype_extra:\n  entrypoint_path: tattle.py\n',
  'tattle.py': 'import os\nprint("\\x1b]0;pwned\\x07\\x1b[31mtattle starts\\x1b[0m", flush=True)\n\nclass Tattle:\n    def perform(self):\n        return os.environ["AUTH_TOKEN"]\n',
};

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One HTTP request from a chosen loopback source address, so each attack spends its own address's budget. */
function httpFrom(from: string, url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  const headers = { ...init.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, localAddress: from, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function sshFrom(server: TestServer, from: string, key: string, command: string): Promise<RunResult> {
  return run('ssh', ['-b', from, ...sshArgs(key, server.sshPort), 'git@127.0.0.1', command]);
}

const lastLine = (text: string) => text.trim().split('\n').pop()!;

describe('auth and ownership', () => {
  let server: TestServer;
  const users: Record<string, { key: string; token: string }> = {};
  const as = (who: string, command: string) => run('ssh', [...sshArgs(users[who]!.key, server.sshPort), 'git@127.0.0.1', command]);
  const api = (path: string, init: { method?: string; body?: unknown; token?: string; from?: string } = {}) =>
    httpFrom(init.from ?? '127.0.0.1', `${server.httpUrl}/lifecycle/api/v1${path}`, { ...init, headers: init.token ? { 'x-racetrack-auth': init.token } : {} });
  /** what tattle's AUTH_TOKEN is now */
  const tattleToken = async () => (await callJob(server, '/pub/job/tattle/latest/api/v1/perform', { body: {} })).json as string;
  const callAdderWith = async (token: string) => (await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [40, 2] }, token })).status;

  before(async () => {
    server = await startTestServer();
    const pushed = await pushSsh(server, await makeJobRepo('adder'), 'adder');
    assert.equal(pushed.code, 0, pushed.stderr);
    for (const who of ['alice', 'bob', 'mallory']) {
      const key = makeSshKey(tempDir(), who);
      const add = await server.ssh(`users add ${who}@example.com --key "${readFileSync(`${key}.pub`, 'utf8').trim()}" --token`);
      assert.equal(add.code, 0, add.stderr);
      users[who] = { key, token: lastLine(add.stdout) };
    }
  });
  after(async () => {
    await server.cleanup();
  });

  test('a command group alone or with --help lists its commands and exits 0; unknown commands exit 2, failed ones 1', async () => {
    for (const group of ['jobs', 'deploys', 'secrets', 'keys', 'tokens', 'users', 'esc', 'grants']) {
      for (const command of [group, `${group} --help`]) {
        const r = await server.ssh(command);
        assert.equal(r.code, 0, `${command}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^usage: ssh rt ${group} COMMAND`), command);
        assert.match(r.stdout, new RegExp(`^  ${group} \\S+`, 'm'), command);
      }
    }
    assert.match((await server.ssh('jobs')).stdout, /^ {2}jobs token-rotate NAME/m);
    const unknownSub = await server.ssh('jobs bogus');
    assert.equal(unknownSub.code, 2);
    assert.match(unknownSub.stderr, /unknown command "jobs bogus"\nrun `ssh rt jobs` for its commands/);
    assert.equal((await server.ssh('bogus')).code, 2);
    assert.equal((await server.ssh('jobs info nope')).code, 1);
    assert.equal((await server.ssh('whoami')).code, 0);
  });

  test("another user cannot push over, redeploy, move, set secrets on or delete a user's job; an ESC gets nothing; a grant opens it", async () => {
    const created = await pushSsh(server, await makeJobRepo(TATTLE), 'tattle', [], users.alice!.key);
    assert.equal(created.code, 0, created.stderr);
    const repo = await makeJobRepo({ ...TATTLE, 'job.yaml': TATTLE['job.yaml'].replace('1.0.0', '6.6.6') });
    const overSsh = await pushSsh(server, repo, 'tattle', ['-f'], users.bob!.key);
    assert.notEqual(overSsh.code, 0);
    assert.match(overSsh.stderr, /user:bob@example\.com has no deploy_job permission on job "tattle"/);
    const overHttp = await pushHttp(server, repo, 'tattle', ['-f'], users.bob!.token);
    assert.notEqual(overHttp.code, 0);
    for (const command of ['secrets set tattle STOLEN=1', 'secrets unset tattle X', 'jobs redeploy tattle 1.0.0', 'jobs move tattle 1.0.0 --infra local',
      'jobs delete tattle 1.0.0', 'jobs delete tattle --all', 'jobs token-rotate tattle']) {
      const r = await as('bob', command);
      assert.equal(r.code, 1, command);
      assert.match(r.stderr, /has no (deploy_job|delete_job) permission on job "tattle"/, command);
    }
    const del = await api('/job/tattle/1.0.0', { method: 'DELETE', token: users.bob!.token });
    assert.equal(del.status, 403);
    assert.equal((await api('/job/tattle/1.0.0', { token: users.bob!.token })).status, 200, 'reading stays open to every user');
    assert.equal(await callAdderWith(users.bob!.token), 200, 'calling too');

    assert.equal((await server.ssh('esc create ci')).code, 0);
    const esc = lastLine((await server.ssh('esc token ci')).stdout);
    const escDeploy = await api('/deploy', { token: esc, body: { manifest: { name: 'escjob', jobtype: 'python3', jobtype_extra: { entrypoint_path: 'x.py' } }, build_context: 'AAAA' } });
    assert.equal(escDeploy.status, 403, escDeploy.text);
    assert.equal(await callAdderWith(esc), 403);

    assert.equal((await server.ssh('grant user:bob@example.com tattle deploy_job')).code, 0);
    assert.equal((await as('bob', 'secrets set tattle GRANTED=1')).code, 0);
    assert.equal((await as('bob', 'secrets unset tattle GRANTED')).code, 0);
    assert.equal((await server.ssh('revoke user:bob@example.com tattle deploy_job')).code, 0);
    assert.equal((await as('bob', 'secrets set tattle AGAIN=1')).code, 1);
  });

  test('a family token is random, stored sealed, survives a restart, and token-rotate replaces it in the running versions', async () => {
    assert.equal((await server.ssh('grant job:tattle adder call_job')).code, 0);
    const first = await tattleToken();
    assert.match(first, /^rtj_/);
    assert.equal(await callAdderWith(first), 200);
    const rotate = await as('alice', 'jobs token-rotate tattle');
    assert.equal(rotate.code, 0, rotate.stderr);
    assert.match(rotate.stdout, /tattle runs with its new token; the old one is revoked/);
    const second = await tattleToken();
    assert.notEqual(second, first);
    assert.equal(await callAdderWith(first), 401, 'the old token is revoked');
    assert.equal(await callAdderWith(second), 200, 'the running version has the new one, with the family grants');
    for (const file of ['racetrack.db', 'racetrack.db-wal']) {
      const bytes = readFileSync(join(server.dataDir, file));
      assert.ok(!bytes.includes(first) && !bytes.includes(second), `no family token in plaintext in ${file}`);
    }
    assert.ok(!server.output().includes(second), 'nor in the server log');

    server = await server.restart();
    assert.equal(await tattleToken(), second, 'restored with the same token after a restart');
    assert.equal(await callAdderWith(second), 200);
  });

  test("deleting a family's last version revokes its token; a new family of that name inherits neither grants nor ownership", async () => {
    const before = await tattleToken();
    const del = await as('alice', 'jobs delete tattle --all');
    assert.equal(del.code, 0, del.stderr);
    assert.equal(await callAdderWith(before), 401, 'the deleted family token stops working');

    // the deleted family's repository went with it: the new owner's unrelated history is a plain first push
    assert.ok(!existsSync(join(server.dataDir, 'repos', 'tattle.git')), 'the ended family left no repository');
    const reused = await pushSsh(server, await makeJobRepo(TATTLE), 'tattle', [], users.mallory!.key);
    assert.equal(reused.code, 0, reused.stderr);
    const fresh = await tattleToken();
    assert.notEqual(fresh, before);
    assert.equal(await callAdderWith(fresh), 403, 'grant job:tattle → adder ended with the old family');
    const grants = JSON.parse((await server.ssh('grants list --json')).stdout) as { subject: string; job: string; scope: string }[];
    assert.deepEqual(grants.filter((g) => g.job === 'tattle' || g.subject === 'job:tattle').map((g) => `${g.subject} ${g.scope}`).sort(),
      ['user:mallory@example.com delete_job', 'user:mallory@example.com deploy_job']);
    const formerOwner = await pushSsh(server, await makeJobRepo({ ...TATTLE, 'job.yaml': TATTLE['job.yaml'].replace('1.0.0', '2.0.0') }), 'tattle', ['-f'], users.alice!.key);
    assert.notEqual(formerOwner.code, 0);
    assert.match(formerOwner.stderr, /user:alice@example\.com has no deploy_job permission on job "tattle"/);
  });

  test('registration: the same answer whether the email exists, a pending registration cannot be squatted, the admin sees it, throttled per address', async () => {
    const register = (email: string, password: string, from = '127.0.0.5') => api('/users/register', { from, body: { username: email, password } });
    const squat = await register('victim@example.com', 'attacker-pw');
    const existing = await register('alice@example.com', 'whatever-pw');
    const admin = await register('admin@racetrack.local', 'whatever-pw');
    for (const r of [squat, existing, admin]) {
      assert.equal(r.status, 201, r.text);
      assert.equal(JSON.parse(r.text).active, false);
    }
    assert.deepEqual(JSON.parse(existing.text), { username: 'alice@example.com', active: false });

    const owner = await register('victim@example.com', 'victim-pw', '127.0.0.7');
    assert.equal(owner.status, 201, 'the real owner is not told the email is taken');
    const activate = await server.ssh('users activate victim@example.com');
    assert.equal(activate.code, 0, activate.stderr);
    assert.match(activate.stdout, /^activated victim@example\.com \(registered \d{4}-\d\d-\d\dT[\d:.]+Z from 127\.0\.0\.7, 2 times/);
    assert.match(activate.stdout, /warning: victim@example\.com was registered 2 times/);
    const login = (password: string) => api('/users/login', { from: '127.0.0.9', body: { username: 'victim@example.com', password } });
    assert.equal((await login('attacker-pw')).status, 401, 'the squatter\'s password was replaced');
    assert.equal((await login('victim-pw')).status, 200);
    assert.equal((await api('/users/login', { from: '127.0.0.9', body: { username: 'alice@example.com', password: 'whatever-pw' } })).status, 401,
      'registering an existing account changes nothing');
    const listed = (JSON.parse((await server.ssh('users list --json')).stdout) as { email: string; register_attempts: number; registered_at: string | null }[])
      .find((u) => u.email === 'victim@example.com')!;
    assert.equal(listed.register_attempts, 2);

    for (let i = 0; i < 10; i++) assert.equal((await register(`flood${i}@example.com`, 'pw', '127.0.0.6')).status, 201);
    const throttled = await register('flood10@example.com', 'pw', '127.0.0.6');
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers['retry-after']) > 0);
    assert.match(JSON.parse(throttled.text).error, /too many registrations/);
    assert.equal((await register('other@example.com', 'pw', '127.0.0.8')).status, 201, 'another address may still register');
  });

  test('control characters are refused in emails and names, and never reach ssh output raw', async () => {
    const raw = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
    assert.equal((await api('/users/register', { from: '127.0.0.10', body: { username: 'ev\x1b[2Jil@example.com', password: 'pw' } })).status, 400);
    const add = await server.ssh('users add "x\x1b[31m@example.com"');
    assert.equal(add.code, 1);
    assert.ok(!raw.test(add.stderr), JSON.stringify(add.stderr));
    assert.match(add.stderr, /\\u001b\[31m/);
    const token = await server.ssh('tokens create "na\x1b]0;pwn\x07me"');
    assert.equal(token.code, 1);
    assert.match(token.stderr, /token name: must be 1–100 printable characters/);
    const grant = await server.ssh('grant "user:x\x1b]0;pwned\x07@example.com" adder call_job');
    assert.equal(grant.code, 1);
    assert.ok(!raw.test(grant.stderr), JSON.stringify(grant.stderr));
    assert.match(grant.stderr, /\\u001b\]0;pwned\\u0007/);
    const info = await server.ssh('jobs info tattle');
    assert.equal(info.code, 0, info.stderr);
    assert.ok(!raw.test(info.stdout), 'the label\'s bidi override and C1 control are escaped');
    assert.match(info.stdout, /a\\u202eb\\u009bc/);
    const logs = await waitFor('tattle\'s log line', async () => {
      const r = await server.ssh('jobs logs tattle --tail 100');
      return r.stdout.includes('tattle starts') ? r : undefined;
    });
    assert.ok(!raw.test(logs.stdout), 'the job\'s terminal escapes are escaped');
    assert.match(logs.stdout, /\\u001b\]0;pwned\\u0007\\u001b\[31mtattle starts/);
    for (const command of ['users list', 'audit', 'grants list', 'jobs list']) {
      const r = await server.ssh(command);
      assert.equal(r.code, 0, command);
      assert.ok(!raw.test(r.stdout), command);
    }
  });
});

describe('failed authentication is a budget per address, not a delay', () => {
  let server: TestServer;
  const stranger = () => makeSshKey(tempDir(), 'stranger');
  /** the admin over ssh from an address no attack here uses */
  const admin = (command: string) => sshFrom(server, '127.0.0.20', server.keyPath, command);
  const wrongTokens = Array.from({ length: 25 }, (_, i) => `rt_wrong_guess_${i}_${'x'.repeat(20)}`);

  before(async () => {
    server = await startTestServer();
    const pushed = await pushSsh(server, await makeJobRepo('adder'), 'adder');
    assert.equal(pushed.code, 0, pushed.stderr);
  });
  after(async () => {
    await server.cleanup();
  });

  test('git over HTTP: parallel wrong tokens spend the budget, then even the right token is refused with 429', async () => {
    const noPrompt = { env: { GIT_TERMINAL_PROMPT: '0' } };
    const guesses = await Promise.all(wrongTokens.map((t) => run('git', ['ls-remote', server.httpGitUrl('adder', t)], noPrompt)));
    assert.ok(guesses.every((g) => g.code !== 0));
    const right = await run('git', ['ls-remote', server.httpGitUrl('adder')], noPrompt);
    assert.notEqual(right.code, 0, 'the right token from the blocked address is refused');
    assert.match(right.stderr, /429/);
    const raw = await httpFrom('127.0.0.1', `${server.httpUrl}/git/adder.git/info/refs?service=git-upload-pack`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` },
    });
    assert.equal(raw.status, 429);
    assert.ok(Number(raw.headers['retry-after']) > 0);
    assert.match(raw.text, /too many failed attempts/);
  });

  test('API tokens: parallel guesses are cut at the budget; the right token is refused after; other addresses are not', async () => {
    const answers = await Promise.all(wrongTokens.map((token) => httpFrom('127.0.0.2', `${server.httpUrl}/lifecycle/api/v1/job`, { headers: { 'x-racetrack-auth': token } })));
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.filter((s) => s === 401).length <= 20, `at most the budget was checked: ${statuses}`);
    assert.ok(statuses.includes(429), `the rest were refused: ${statuses}`);
    const right = await httpFrom('127.0.0.2', `${server.httpUrl}/lifecycle/api/v1/job`, { headers: { 'x-racetrack-auth': server.token } });
    assert.equal(right.status, 429);
    assert.ok(Number(right.headers['retry-after']) > 0);
    const elsewhere = await httpFrom('127.0.0.3', `${server.httpUrl}/lifecycle/api/v1/job`, { headers: { 'x-racetrack-auth': server.token } });
    assert.equal(elsewhere.status, 200);
  });

  test('API login: parallel password guesses are cut at the budget; the right password is refused after', async () => {
    const registered = await httpFrom('127.0.0.21', `${server.httpUrl}/lifecycle/api/v1/users/register`, { body: { username: 'pat@example.com', password: 'right-password' } });
    assert.equal(registered.status, 201);
    assert.equal((await admin('users activate pat@example.com')).code, 0);
    const login = (password: string) => httpFrom('127.0.0.4', `${server.httpUrl}/lifecycle/api/v1/users/login`, { body: { username: 'pat@example.com', password } });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => login(`wrong-password-${i}`)));
    const statuses = answers.map((a) => a.status);
    assert.ok(statuses.filter((s) => s === 401).length <= 20, `at most the budget was checked: ${statuses}`);
    assert.ok(statuses.includes(429), `the rest were refused at once: ${statuses}`);
    const right = await login('right-password');
    assert.equal(right.status, 429);
    assert.match(JSON.parse(right.text).error, /too many failed attempts/);
  });

  test('SSH: connections that never get in spend the budget; then even the admin key is refused from that address', async () => {
    const key = stranger();
    const attempts = await Promise.all(Array.from({ length: 21 }, () => sshFrom(server, '127.0.0.5', key, 'whoami')));
    assert.ok(attempts.every((a) => a.code === 255));
    await waitFor('the block of 127.0.0.5 in the audit', async () => {
      const audit = JSON.parse((await admin('audit --json')).stdout) as { actor: string; action: string }[];
      return audit.some((e) => e.actor === 'address:127.0.0.5' && e.action === 'auth.blocked') ? true : undefined;
    });
    const right = await sshFrom(server, '127.0.0.5', server.keyPath, 'whoami');
    assert.equal(right.code, 255, right.stdout);
    assert.match(right.stderr, /Permission denied/);
    assert.equal((await sshFrom(server, '127.0.0.6', server.keyPath, 'whoami')).code, 0, 'another address gets in');
  });

  test('failures and blocks are audited per channel, without the guessed credentials', async () => {
    const r = await admin('audit --json --limit 1000');
    const audit = JSON.parse(r.stdout) as { actor: string; action: string; detail: string }[];
    for (const channel of ['git over http', 'api', 'api login', 'ssh']) {
      assert.ok(audit.some((e) => e.action === 'auth.failed' && e.detail.startsWith(`${channel}:`)), channel);
      assert.ok(audit.some((e) => e.action === 'auth.blocked' && e.detail.startsWith(`${channel}:`)), channel);
    }
    for (const secret of [...wrongTokens, 'wrong-password-1', 'right-password']) assert.ok(!r.stdout.includes(secret), secret);
  });
});
