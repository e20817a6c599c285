// Every ssh command through the real OpenSSH client, with its exit codes and error paths.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { callJob, makeJobRepo, makeSshKey, pushSsh, run, sshArgs, startTestServer, tempDir, waitFor, type TestServer } from '../harness.js';

describe('ssh commands', () => {
  let server: TestServer;
  let devKey: string;
  const dev = (cmd: string, input?: string) => run('ssh', [...sshArgs(devKey, server.sshPort), 'git@127.0.0.1', cmd], { input });

  before(async () => {
    server = await startTestServer();
    const r = await pushSsh(server, await makeJobRepo('adder'), 'adder');
    assert.equal(r.code, 0, r.stderr);
    devKey = makeSshKey(tempDir(), 'dev_key');
  });
  after(async () => {
    await server.cleanup();
  });

  test('help lists every command group; COMMAND --help describes one', async () => {
    const r = await server.ssh('help');
    assert.equal(r.code, 0);
    for (const c of ['jobs list', 'jobs logs', 'deploys show', 'secrets set', 'keys add', 'tokens create', 'users add', 'esc token', 'grant', 'audit']) {
      assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'), c);
    }
    const h = await server.ssh('jobs delete --help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, /^usage: jobs delete NAME VERSION \| NAME --all/);
  });

  test('usage errors exit 2 with the usage line; a missing job exits 1', async () => {
    const flag = await server.ssh('jobs list --bogus');
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--bogus/);
    assert.match(flag.stderr, /usage: jobs list/);
    const missing = await server.ssh('jobs info nope');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'error: job "nope" not found\n');
    const badName = await server.ssh('jobs info ../etc');
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /invalid job name/);
  });

  test('jobs info --json has status, commit, target and upstreams', async () => {
    const r = await server.ssh('jobs info adder 0.0.2 --json');
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout);
    assert.equal(info.status, 'running');
    assert.match(info.commit, /^[0-9a-f]{40}$/);
    assert.equal(info.target, 'local');
    assert.match(info.upstreams[0], /^127\.0\.0\.1:\d+$/);
    assert.equal(info.latest, true);
  });

  test('jobs logs and build-logs show what the job and the build printed', async () => {
    await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [1, 2] } });
    const logs = await server.ssh('jobs logs adder --tail 50');
    assert.equal(logs.code, 0, logs.stderr);
    assert.ok(logs.stdout.length > 0);
    const build = await server.ssh('jobs build-logs adder 0.0.2');
    assert.match(build.stdout, /-----> Building adder 0\.0\.2 \(python3\)/);
  });

  test('deploys list and show replay the push', async () => {
    const list = JSON.parse((await server.ssh('deploys list adder --json')).stdout) as { id: string; status: string }[];
    assert.equal(list[0]!.status, 'done');
    const show = await server.ssh(`deploys show ${list[0]!.id}`);
    assert.match(show.stdout, /-----> adder 0\.0\.2 is ready/);
  });

  test('tokens: create prints the token alone on the last line, list never shows it, revoke stops it', async () => {
    const c = await server.ssh('tokens create ci');
    assert.equal(c.code, 0, c.stderr);
    const token = c.stdout.trim().split('\n').pop()!;
    assert.equal((await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [2] }, token })).status, 200);
    const list = await server.ssh('tokens list --json');
    assert.ok(!list.stdout.includes(token));
    const id = (JSON.parse(list.stdout) as { id: number; name: string }[]).find((t) => t.name === 'ci')!.id;
    assert.equal((await server.ssh(`tokens revoke ${id}`)).code, 0);
    assert.equal((await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [2] }, token })).status, 401);
    const json = JSON.parse((await server.ssh('tokens create j --json')).stdout);
    assert.deepEqual(Object.keys(json).sort(), ['id', 'name', 'token']);
  });

  test('users and keys: an admin adds a user, who adds a key and deploys; a non-admin is refused admin commands', async () => {
    assert.equal((await server.ssh('users add not-an-email')).code, 1);
    const add = await server.ssh('users add dev@example.com');
    assert.equal(add.code, 0, add.stderr);
    // the admin cannot add a key for someone else over ssh; give the user a token, then let them add their key over ssh as the admin did
    const users = JSON.parse((await server.ssh('users list --json')).stdout) as { email: string }[];
    assert.ok(users.some((u) => u.email === 'dev@example.com'));
    const malformed = await server.ssh('keys add broken', 'ssh-ed25519 !!!not-base64\n');
    assert.equal(malformed.code, 1);
    assert.match(malformed.stderr, /ssh key: not an OpenSSH public key/);
    const keyAdd = await server.ssh('keys add spare', readFileSync(`${devKey}.pub`, 'utf8'));
    assert.equal(keyAdd.code, 0, keyAdd.stderr);
    const keys = JSON.parse((await server.ssh('keys list --json')).stdout) as { id: number; name: string }[];
    const spare = keys.find((k) => k.name === 'spare')!;
    assert.equal((await dev('whoami --json')).code, 0); // the spare key is the admin's now
    assert.equal((await server.ssh(`keys remove ${spare.id}`)).code, 0);
    const refused = await dev('whoami');
    assert.notEqual(refused.code, 0);
  });

  test('a non-admin calling an admin command is refused, and the refusal is audited', async () => {
    const other = makeSshKey(tempDir(), 'other_key');
    const add = await server.ssh(`users add other@example.com --key "${readFileSync(`${other}.pub`, 'utf8').trim()}" --token`);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout.trim().split('\n').pop()!, /^rt_/);
    const asOther = (cmd: string) => run('ssh', [...sshArgs(other, server.sshPort), 'git@127.0.0.1', cmd]);
    const who = JSON.parse((await asOther('whoami --json')).stdout);
    assert.deepEqual([who.email, who.admin], ['other@example.com', false]);
    for (const cmd of ['users list', 'esc create sneaky', 'grant user:other@example.com * full_access', 'audit']) {
      const r = await asOther(cmd);
      assert.equal(r.code, 1, cmd);
      assert.equal(r.stderr, 'error: this needs an admin\n', cmd);
    }
    const audit = JSON.parse((await server.ssh('audit --json')).stdout) as { actor: string; action: string; ok: boolean }[];
    assert.ok(audit.some((e) => e.actor === 'user:other@example.com' && e.action === 'user.list' && !e.ok));
  });

  test('jobs logs --follow streams new lines until the client hangs up', async () => {
    const { spawn } = await import('node:child_process');
    const follower = spawn('ssh', [...sshArgs(server.keyPath, server.sshPort), 'git@127.0.0.1', 'jobs logs adder --tail 0 --follow']);
    let seen = '';
    follower.stdout.on('data', (b: Buffer) => (seen += b.toString()));
    await new Promise((r) => setTimeout(r, 500));
    await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [7] } });
    for (let i = 0; i < 50 && !seen.includes('/api/v1/perform'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(seen, /\/api\/v1\/perform/);
    follower.kill();
    await new Promise((r) => follower.on('close', r));
    assert.equal((await server.ssh('whoami')).code, 0, 'the server is fine after the client left');
  });

  test('esc and grants: an ESC may call only what it was granted', async () => {
    assert.equal((await server.ssh('esc create billing')).code, 0);
    const t = await server.ssh('esc token billing');
    const token = t.stdout.trim().split('\n').pop()!;
    assert.equal((await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [1] }, token })).status, 403);
    const badScope = await server.ssh('grant esc:billing adder call_everything');
    assert.equal(badScope.code, 2);
    assert.match(badScope.stderr, /unknown scope "call_everything"/);
    assert.equal((await server.ssh('grant esc:billing adder call_job')).code, 0);
    assert.equal((await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [1] }, token })).status, 200);
    const grants = JSON.parse((await server.ssh('grants list --json')).stdout) as { subject: string; job: string; scope: string }[];
    assert.ok(grants.some((g) => g.subject === 'esc:billing' && g.job === 'adder' && g.scope === 'call_job'));
    assert.equal((await server.ssh('revoke esc:billing adder call_job')).code, 0);
    assert.equal((await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [1] }, token })).status, 403);
  });

  test('secrets: set, list without values, reach the job after redeploy, unset', async () => {
    const set = await server.ssh('secrets set adder API_KEY=s3cr3t-value OTHER=x');
    assert.equal(set.code, 0, set.stderr);
    const list = await server.ssh('secrets list adder --json');
    assert.ok(!list.stdout.includes('s3cr3t-value'));
    assert.deepEqual((JSON.parse(list.stdout) as { key: string }[]).map((s) => s.key), ['API_KEY', 'OTHER']);
    const bad = await server.ssh('secrets set adder JOB_NAME=x');
    assert.equal(bad.code, 1);
    const redeploy = await server.ssh('jobs redeploy adder 0.0.2');
    assert.equal(redeploy.code, 0, redeploy.stderr);
    assert.match(redeploy.stdout, /-----> adder 0\.0\.2 is ready/);
    assert.equal((await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [40, 2] } })).json, 42);
    assert.equal((await server.ssh('secrets unset adder OTHER')).code, 0);
    assert.equal((await server.ssh('secrets unset adder OTHER')).code, 1);
  });

  test('audit shows deploys, grants and token changes', async () => {
    const r = await server.ssh('audit --json');
    const actions = new Set((JSON.parse(r.stdout) as { action: string }[]).map((e) => e.action));
    for (const a of ['deploy', 'grant', 'revoke', 'token.create', 'token.revoke', 'esc.create', 'secret.set', 'job.redeploy']) assert.ok(actions.has(a), a);
  });

  test('a key opens no tunnel: -L to a job\'s own port, -W, -R and the sftp subsystem are refused', async () => {
    const info = await server.ssh('jobs info adder --json');
    const [upstream] = (JSON.parse(info.stdout) as { upstreams: string[] }).upstreams;
    const [host, port] = upstream!.split(':') as [string, string];
    // -W: the client's stdio straight to the job's port, past the gateway and its token
    const w = await run('ssh', [...sshArgs(server.keyPath, server.sshPort), '-W', `${host}:${port}`, 'git@127.0.0.1'], { input: 'POST /api/v1/perform HTTP/1.1\r\n\r\n' });
    assert.equal(w.code, 255);
    assert.match(w.stderr, /administratively prohibited|stdio forwarding failed/);
    assert.doesNotMatch(w.stdout, /HTTP\/1/);
    // -L: a local port forwarded there; the connection through it is closed before any byte of the job's
    const local = await freePort();
    const tunnel = spawn('ssh', [...sshArgs(server.keyPath, server.sshPort), '-N', '-L', `${local}:${host}:${port}`, 'git@127.0.0.1'], { stdio: 'ignore' });
    try {
      const answer = await waitFor('the -L tunnel to listen', async () => {
        return new Promise<string | undefined>((resolve) => {
          let connected = false;
          let data = '';
          const s = connect(local, '127.0.0.1', () => {
            connected = true;
            s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
          });
          s.on('data', (b: Buffer) => (data += b.toString()));
          s.on('error', () => {}); // ssh may reset the connection it could not forward
          // refused before connecting: ssh does not listen yet
          s.on('close', () => resolve(connected ? data : undefined));
        });
      });
      assert.equal(answer, '', 'nothing of the job came through');
    } finally {
      tunnel.kill();
    }
    // -R: a port on the server's side forwarded back to the client
    const r = await run('ssh', [...sshArgs(server.keyPath, server.sshPort), '-N', '-o', 'ExitOnForwardFailure=yes', '-R', '0:127.0.0.1:9', 'git@127.0.0.1']);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /remote port forwarding failed/);
    const sftp = await run('ssh', [...sshArgs(server.keyPath, server.sshPort), '-s', 'git@127.0.0.1', 'sftp'], { input: '' });
    assert.equal(sftp.code, 255);
    assert.match(sftp.stderr, /subsystem request failed/);
  });

  test('jobs delete removes the version and its route at once', async () => {
    const d = await server.ssh('jobs delete adder 0.0.2');
    assert.equal(d.code, 0, d.stderr);
    assert.equal((await callJob(server, '/pub/job/adder/0.0.2/api/v1/perform', { body: { numbers: [1] } })).status, 404);
    assert.equal((await server.ssh('jobs delete adder 0.0.2')).code, 1);
    assert.equal((await server.ssh('jobs delete adder')).code, 2);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
