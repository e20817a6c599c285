// Failure semantics: every failed deploy leaves the world as it was; concurrency is serialised per job;
// a crash mid-deploy leaves nothing half-done; bad input never hurts the server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RACETRACK_FROM_SOURCE, callJob, commitAll, git, gitSshEnv, isRunning, makeJobRepo, makeSshKey, pushHttp, pushSsh, run, sshArgs, startTestServer, tempDir, writeFile, type TestServer } from '../harness.js';

const job = (name: string, version: string, body = 'return "v1"', init = '') => ({
  'job.yaml': `name: ${name}\njobtype: python3\nversion: ${version}\njobtype_extra:\n  entrypoint_path: j.py\n`,
  'j.py': `import time\nclass J:\n    def __init__(self):\n        ${init || 'pass'}\n    def perform(self):\n        ${body}\n`,
});

async function deploys(server: TestServer, name: string) {
  return JSON.parse((await server.ssh(`deploys list ${name} --json`)).stdout) as { id: string; status: string; phase: string; error: string | null; started_at: string; finished_at: string | null }[];
}

async function waitForPhase(server: TestServer, name: string, phase: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const d = (await deploys(server, name))[0];
    if (d?.status === 'in_progress' && d.phase === phase) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`deploy of ${name} never reached phase ${phase}`);
}

describe('failure semantics', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    assert.equal((await pushSsh(server, await makeJobRepo(job('steady', '1.0.0')), 'steady')).code, 0);
  });
  after(async () => {
    await server.cleanup();
  });

  test('no permission: the push is rejected, naming the missing scope', async () => {
    const key = makeSshKey(tempDir(), 'dev');
    const add = await server.ssh(`users add dev@example.com --key "${readFileSync(`${key}.pub`, 'utf8').trim()}"`);
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await server.ssh('revoke user:dev@example.com * deploy_new_family')).code, 0);
    const fresh = await pushSsh(server, await makeJobRepo(job('devjob', '1.0.0')), 'devjob', [], key);
    assert.notEqual(fresh.code, 0);
    assert.match(fresh.stderr, /may not create new jobs \(deploy_new_family\)/);
    const existing = await pushSsh(server, await makeJobRepo(job('steady', '1.0.1')), 'steady', ['-f'], key);
    assert.notEqual(existing.code, 0);
    assert.match(existing.stderr, /has no deploy_job permission on job "steady"/);
  });

  test('versions are immutable: another commit under a deployed version is refused unless -o force', async () => {
    const repo = await makeJobRepo(job('immutable', '1.0.0', 'return "first"'));
    assert.equal((await pushSsh(server, repo, 'immutable')).code, 0);
    writeFile(repo, 'j.py', job('immutable', '1.0.0', 'return "second"')['j.py']);
    await commitAll(repo, 'second');
    const refused = await pushSsh(server, repo, 'immutable');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /version 1\.0\.0 of immutable is already deployed from commit [0-9a-f]{7}/);
    assert.equal((await callJob(server, '/pub/job/immutable/1.0.0/api/v1/perform', { body: {} })).json, 'first');
    const forced = await pushSsh(server, repo, 'immutable', ['-o', 'force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((await callJob(server, '/pub/job/immutable/1.0.0/api/v1/perform', { body: {} })).json, 'second');
  });

  test('the same commit again is a no-op that says so', async () => {
    const repo = await makeJobRepo(job('same', '1.0.0'));
    assert.equal((await pushSsh(server, repo, 'same')).code, 0);
    const again = await run('git', ['push', server.sshUrl('same'), 'HEAD:master'], { cwd: repo, env: { GIT_SSH_COMMAND: `ssh ${sshArgs(server.keyPath, 22).slice(2).join(' ')}` } });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already serves commit [0-9a-f]{7}: nothing to do/);
  });

  test('a target this server does not have rejects the push, naming where it was asked for', async () => {
    const r = await pushSsh(server, await makeJobRepo(job('steady', '1.0.3')), 'steady', ['-f', '-o', 'infra=kubernetes']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /infra \(push option or --infra\): "kubernetes" is not available on this server \(available: local/);
    const files = job('steady', '1.0.3');
    const m = await pushSsh(server, await makeJobRepo({ ...files, 'job.yaml': `${files['job.yaml']}infrastructure_target: kubernetes\n` }), 'steady', ['-f']);
    assert.match(m.stderr, /job\.yaml: infrastructure_target: "kubernetes" is not available on this server/);
    assert.equal((await callJob(server, '/pub/job/steady/latest/api/v1/perform', { body: {} })).json, 'v1');
  });

  test('an unknown push option rejects the push, naming it', async () => {
    const r = await pushSsh(server, await makeJobRepo(job('steady', '1.0.2')), 'steady', ['-f', '-o', 'turbo']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /push option "turbo" is unknown/);
  });

  test('pushes to one job are serialised (the second says it waits); different jobs deploy in parallel', async () => {
    const slow = (name: string, v: string) => job(name, v, 'return "ok"', 'time.sleep(1.5)');
    const [a1, a2, b] = await Promise.all([makeJobRepo(slow('serial', '1.0.0')), makeJobRepo(slow('serial', '1.0.1')), makeJobRepo(slow('parallel', '1.0.0'))]);
    const toMaster = () => run('git', ['push', '-f', server.sshUrl('serial'), 'HEAD:master'], { cwd: a2, env: gitSshEnv(server.keyPath) });
    const [r1, r2, r3] = await Promise.all([pushSsh(server, a1, 'serial'), new Promise((r) => setTimeout(r, 300)).then(toMaster), pushSsh(server, b, 'parallel')]);
    for (const r of [r1, r2, r3]) assert.equal(r.code, 0, r.stderr);
    assert.match(r2.stderr, /waiting for another deploy of serial to finish/);
    const [second, first] = await deploys(server, 'serial');
    assert.ok(Date.parse(second!.started_at) >= Date.parse(first!.finished_at!), 'serialised');
    const [other] = await deploys(server, 'parallel');
    assert.ok(Date.parse(other!.started_at) < Date.parse(first!.finished_at!), 'in parallel');
  });

  test('a push that waited while another moved the same branch is refused before it deploys anything', async () => {
    const slow = (v: string) => job('racing', v, 'return "ok"', 'time.sleep(1.5)');
    const [a, b] = await Promise.all([makeJobRepo(slow('1.0.0')), makeJobRepo(slow('1.0.1'))]);
    const [r1, r2] = await Promise.all([pushSsh(server, a, 'racing'), new Promise((r) => setTimeout(r, 300)).then(() => pushSsh(server, b, 'racing', ['-f']))]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /main moved while this push waited/);
    const versions = JSON.parse((await server.ssh('jobs list --all --json')).stdout) as { name: string; version: string }[];
    assert.deepEqual(versions.filter((v) => v.name === 'racing').map((v) => v.version), ['1.0.0']);
  });

  test('a delete during a deploy of the same job waits for it', async () => {
    const repo = await makeJobRepo(job('serial', '2.0.0', 'return "ok"', 'time.sleep(1.5)'));
    const push = pushSsh(server, repo, 'serial', ['-f']);
    await waitForPhase(server, 'serial', 'health');
    const del = await server.ssh('jobs delete serial 1.0.0');
    assert.equal(del.code, 0, del.stderr);
    const [d] = await deploys(server, 'serial');
    assert.equal(d!.status, 'done', 'the deploy finished before the delete ran');
    assert.equal((await push).code, 0);
  });

  test('bad names on every entry point get a clear answer and never hurt the server', async () => {
    const sshGit = await server.ssh("git-receive-pack '../../etc/passwd'");
    assert.notEqual(sshGit.code, 0);
    assert.match(sshGit.stderr, /invalid job name/);
    const httpGit = await fetch(`${server.httpUrl}/git/..%2F..%2Fetc.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}` } });
    assert.equal(httpGit.status, 400);
    for (const path of ['/pub/job/../steady/latest/', '/pub/job/%00/latest/', '/pub/job/steady/..%2F..%2F/x', `/pub/job/${'a'.repeat(300)}/latest/`, '/pub/job/st%ff/latest/']) {
      const r = await fetch(`${server.httpUrl}${path}`, { headers: { 'X-Racetrack-Auth': server.token } });
      assert.ok([400, 404].includes(r.status), `${path}: ${r.status}`);
    }
    const raw = await rawRequest(server.httpUrl, 'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.equal((await callJob(server, '/pub/job/steady/latest/api/v1/perform', { body: {} })).json, 'v1');
  });

  test('hostile manifests: alias bombs, huge files, invalid UTF-8 are refused with a named error', async () => {
    const bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nname: bomb\n';
    const r1 = await pushSsh(server, await makeJobRepo({ 'job.yaml': bomb }), 'bomb');
    assert.notEqual(r1.code, 0);
    assert.match(r1.stderr, /job\.yaml: .*alias/i);
    const huge = `name: huge\njobtype: python3\nlabels:\n${Array.from({ length: 5000 }, (_, i) => `  k${i}: ${'v'.repeat(20)}`).join('\n')}\n`;
    const r2 = await pushSsh(server, await makeJobRepo({ 'job.yaml': huge }), 'huge');
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /job\.yaml: .*(bytes|KiB|large)/i);
    const repo = await makeJobRepo({ 'j.py': '' });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(repo, 'job.yaml'), Buffer.concat([Buffer.from('name: utf\njobtype: python3\nlabels:\n  x: "'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]));
    await commitAll(repo, 'bad utf-8');
    const r3 = await pushSsh(server, repo, 'utf');
    assert.notEqual(r3.code, 0);
    assert.match(r3.stderr, /remote:  !     /);
    assert.equal((await callJob(server, '/health', { token: null })).status, 200);
  });

  test('a truncated pack and a client that disconnects mid-push leave the server healthy', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`x:${server.token}`).toString('base64')}`, 'content-type': 'application/x-git-receive-pack-request' };
    const junk = await fetch(`${server.httpUrl}/git/steady.git/git-receive-pack`, { method: 'POST', headers: auth, body: '00a0garbage' });
    await junk.arrayBuffer();
    const repo = await makeJobRepo(job('leaver', '1.0.0', 'return 1', 'time.sleep(3)'));
    const { spawn } = await import('node:child_process');
    const pusher = spawn('git', ['push', server.httpGitUrl('leaver'), 'HEAD:main'], { cwd: repo, stdio: 'ignore' });
    await waitForPhase(server, 'leaver', 'health');
    pusher.kill('SIGKILL');
    assert.equal((await callJob(server, '/health', { token: null })).status, 200);
    assert.equal((await callJob(server, '/pub/job/steady/latest/api/v1/perform', { body: {} })).json, 'v1');
  });

  test('repeated failed ssh and http authentication is audited (the budget itself: auth-security.test.ts)', async () => {
    const stranger = makeSshKey(tempDir(), 'stranger');
    for (let i = 0; i < 5; i++) {
      const r = await run('ssh', [...sshArgs(stranger, server.sshPort), 'git@127.0.0.1', 'whoami']);
      assert.notEqual(r.code, 0);
    }
    const wrong = { authorization: `Basic ${Buffer.from('x:wrong-token').toString('base64')}` };
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${server.httpUrl}/git/steady.git/info/refs?service=git-upload-pack`, { headers: wrong });
      assert.equal(r.status, 401);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic/);
    }
    const audit = JSON.parse((await server.ssh('audit --json')).stdout) as { action: string; detail: string; ok: boolean }[];
    const failed = audit.filter((e) => e.action === 'auth.failed');
    assert.ok(failed.some((e) => e.detail.startsWith('ssh')), 'ssh failures audited');
    assert.ok(failed.some((e) => e.detail.startsWith('git over http')), 'http failures audited');
  });

  test('a push over the size limit is refused', async () => {
    const small = await startTestServer({ env: { RACETRACK_MAX_PUSH_BYTES: '20000' } });
    try {
      const files = { ...job('big', '1.0.0'), 'blob.bin': Array.from({ length: 4000 }, (_, i) => `${i}:${Math.random()}`).join('\n') };
      const r = await pushHttp(small, await makeJobRepo(files), 'big');
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /too large|maxInputSize|exceeds/i);
    } finally {
      await small.cleanup();
    }
  });
});

describe('a crash mid-deploy', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    assert.equal((await pushSsh(server, await makeJobRepo(job('survivor', '1.0.0', 'return "old"')), 'survivor')).code, 0);
  });
  after(async () => {
    await server.cleanup();
  });

  async function crashDuring(phase: string, files: Record<string, string>, t: { diagnostic: (s: string) => void }) {
    const repo = await makeJobRepo(files);
    const push = pushSsh(server, repo, 'survivor', ['-f']);
    await waitForPhase(server, 'survivor', phase);
    const pidDir = join(server.dataDir, 'run', 'local');
    const pidsBefore = readdirSync(pidDir).map((f) => Number(readFileSync(join(pidDir, f), 'utf8')));
    await server.kill();
    const r = await push;
    assert.notEqual(r.code, 0, 'the pusher sees the push fail');
    const t0 = Date.now();
    server = await server.restart();
    const old = await callJob(server, '/pub/job/survivor/latest/api/v1/perform', { body: {} });
    t.diagnostic(`restart after kill -9 during ${phase}: ${Date.now() - t0} ms until healthy and serving`);
    assert.equal(old.json, 'old', 'latest still serves the old version');
    const [d] = await deploys(server, 'survivor');
    assert.deepEqual([d!.status, d!.error], ['failed', 'interrupted']);
    assert.ok(!existsSync(join(server.dataDir, 'builds', d!.id)), 'no workspace left');
    for (const pid of pidsBefore) {
      assert.equal(isRunning(pid), false, `job process ${pid} from before the crash is gone`);
    }
    const strays = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).startsWith(join(server.dataDir, 'builds', d!.id)) && isRunning(Number(p));
      } catch {
        return false;
      }
    });
    assert.deepEqual(strays, [], 'no build process of the interrupted deploy is left');
    const heads = await git(join(server.dataDir, 'repos', 'survivor.git'), 'rev-parse', 'refs/heads/main');
    assert.equal(heads.code, 0);
  }

  test('kill -9 during the health wait', async (t) => {
    await crashDuring('health', job('survivor', '1.0.1', 'return "new"', 'time.sleep(30)'), t);
  });

  test('kill -9 during the build', async (t) => {
    // pip waits on an index that never answers: a build that is still running when the server dies
    const hang = createServer(() => {});
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as { port: number }).port;
    try {
      await crashDuring('build', {
        ...job('survivor', '1.0.2', 'return "new"'),
        'job.yaml': `name: survivor\njobtype: python3\nversion: 1.0.2\njobtype_extra:\n  entrypoint_path: j.py\n  requirements_path: requirements.txt\n`,
        'requirements.txt': `--index-url http://127.0.0.1:${port}/simple\nsomething-slow\n`,
      }, t);
    } finally {
      hang.closeAllConnections();
      hang.close();
    }
  });

  test('SIGTERM during a push lets the push finish, then the server exits 0; the version serves after a restart', async () => {
    const repo = await makeJobRepo(job('survivor', '1.1.0', 'return "graceful"', 'time.sleep(1.5)'));
    const push = pushSsh(server, repo, 'survivor', ['-f']);
    await waitForPhase(server, 'survivor', 'health');
    const exit = server.stop();
    const r = await push;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /survivor 1\.1\.0 is live/);
    assert.equal(await exit, 0);
    server = await server.restart();
    assert.equal((await callJob(server, '/pub/job/survivor/latest/api/v1/perform', { body: {} })).json, 'graceful');
  });

  test('the database passes integrity_check after the crashes', async () => {
    await server.stop();
    const db = new Database(join(server.dataDir, 'racetrack.db'), { readonly: true });
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
    server = await server.restart();
  });
});


/** Sends bytes as they are (no client-side URL checks) and resolves with the whole answer. */
function rawRequest(httpUrl: string, text: string): Promise<string> {
  const { hostname, port } = new URL(httpUrl);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(Number(port), hostname, () => socket.end(text));
    socket.on('data', (b: Buffer) => (answer += b.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

test('a server that cannot start exits 1 naming why, instead of hanging half started', async () => {
  const dir = tempDir('rt-nostart-');
  writeFile(dir, 'not-a-dir', 'a file where the data dir should be\n');
  const r = await run(process.execPath, [...RACETRACK_FROM_SOURCE, 'serve'], {
    env: { RACETRACK_DATA_DIR: join(dir, 'not-a-dir'), RACETRACK_HTTP_PORT: '0', RACETRACK_SSH_PORT: '0' },
  });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /racetrack: could not start: .*not-a-dir/);
});
