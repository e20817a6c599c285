// Racetrack's own flow against a real external git server (git http-backend behind Basic auth) and an ssh
// remote (this project's own ssh server): the server fetches git.remote, with the client's credentials for that
// one deploy; nothing of the credentials stays on the server. Bad remotes are refused with their cause.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, RACETRACK_FROM_SOURCE, callJob, commitAll, git, makeSshKey, pushSsh, run, startTestServer, tempDir, writeFile, type TestServer } from '../harness.js';
import { startGitHttpRemote, type GitHttpRemote } from '../git-http-remote.js';
import { fetchRemote } from '../../src/build/remote/fetch-remote.js';
import { checkRemoteUrl } from '../../src/build/remote/remote-url.js';

const PASSWORD = 'glpat-remote-secret-7f3a9c21';
const ADDER_PY = readFileSync(join(FIXTURES, 'adder', 'adder.py'), 'utf8');

/** the git servers of these tests listen on loopback, which a server denies by default: these servers allow it */
const LOOPBACK_ALLOWED = { RACETRACK_REMOTE_DENIED_NETWORKS: '169.254.0.0/16' };

const manifest = (remote: string, extra: Record<string, unknown> = {}) => ({
  name: 'adder', owner_email: 'sample@example.com', jobtype: 'python3:latest', version: '0.0.2',
  jobtype_extra: { entrypoint_path: 'adder.py', entrypoint_class: 'AdderModel' },
  git: { remote, branch: 'main', directory: 'jobs/adder' },
  ...extra,
});

describe('deploy from an external git remote', () => {
  let server: TestServer;
  let remote: GitHttpRemote;
  let other: GitHttpRemote;
  let source: string;
  let home: string;
  let root: string;

  before(async () => {
    root = tempDir('rt-remote-root-');
    source = tempDir('rt-remote-src-');
    writeFile(source, 'README.md', 'a monorepo\n');
    writeFile(source, 'jobs/adder/adder.py', ADDER_PY);
    await git(source, 'init', '-q', '-b', 'main');
    await commitAll(source, 'adder');
    assert.equal((await run('git', ['clone', '-q', '--bare', source, join(root, 'adder.git')])).code, 0);
    // another host the first one redirects to: it must never see the credentials
    other = await startGitHttpRemote({ root });
    remote = await startGitHttpRemote({
      root, privatePrefix: '/private/', credentials: { username: 'alice', password: PASSWORD },
      redirects: { '/moved/': `${other.url}/public/` },
    });
    server = await startTestServer({ env: LOOPBACK_ALLOWED });
    home = tempDir('rt-home-');
    const login = await rt('login', server.token, '--remote', server.httpUrl);
    assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    await server.cleanup();
    await remote.close();
    await other.close();
  });

  const rt = (...args: string[]) => run(process.execPath, [...RACETRACK_FROM_SOURCE, ...args], { env: { HOME: home } });
  const api = async (path: string, body?: unknown) => {
    const res = await fetch(`${server.httpUrl}/lifecycle/api/v1${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'x-racetrack-auth': server.token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as any };
  };
  /** polls a deployment until it is no longer in progress */
  const finished = async (id: string) => {
    let d: any;
    for (let i = 0; i < 240 && (!d || d.status === 'in_progress'); i++) {
      await new Promise((res) => setTimeout(res, 250));
      d = (await api(`/deploy/${id}`)).json;
    }
    return d;
  };
  const folderWith = (m: Record<string, unknown>) => {
    const dir = tempDir('rt-remote-job-');
    writeFile(dir, 'job.yaml', JSON.stringify(m));
    return dir;
  };

  test('a public remote deploys through POST /deploy with no archive, and the deployment records remote, branch and commit', async () => {
    const m = manifest(`${remote.url}/public/adder.git`, { version: '0.0.1' });
    const r = await api('/deploy', { manifest: m });
    assert.ok(r.status === 202 || r.status === 201, JSON.stringify(r.json));
    const d = await finished(r.json.id);
    assert.equal(d.status, 'done', d.log);
    const head = (await git(source, 'rev-parse', 'HEAD')).stdout.trim();
    assert.deepEqual(d.source, { remote: m.git.remote, branch: 'main', commit: head });
    assert.match(d.log, /Deploying adder from http:\/\/127\.0\.0\.1:\d+\/public\/adder\.git main@/);
    const call = await callJob(server, '/pub/job/adder/0.0.1/api/v1/perform', { body: { numbers: [40, 2] } });
    assert.equal(call.status, 200);
    assert.equal(call.json, 42);
  });

  test('a private remote is refused without credentials, naming the remote and the cause', async () => {
    const r = await api('/deploy', { manifest: manifest(`${remote.url}/private/adder.git`) });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /^git\.remote: fetching http:\/\/127\.0\.0\.1:\d+\/private\/adder\.git \(branch main\) failed: authentication failed: it needs credentials/);
  });

  test('racetrack deploy with stored credentials fetches the private remote; the longest prefix wins', async () => {
    const privateUrl = `${remote.url}/private/adder.git`;
    assert.equal((await rt('set', 'credentials', `${remote.url}/`, 'alice', 'wrong-password')).code, 0);
    assert.equal((await rt('set', 'credentials', `${remote.url}/private/`, 'alice', PASSWORD)).code, 0);
    const r = await rt('deploy', folderWith(manifest(privateUrl)));
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /with the credentials stored for http:\/\/127\.0\.0\.1:\d+\/private\//);
    assert.match(r.stdout, /-----> adder 0\.0\.2 is live/);
    const call = await callJob(server, '/pub/job/adder/0.0.2/api/v1/perform', { body: { numbers: [1, 2] } });
    assert.equal(call.json, 3);
  });

  test('wrong credentials say that authentication failed, with the password masked', async () => {
    const r = await api('/deploy', { manifest: manifest(`${remote.url}/private/adder.git`, { version: '0.0.3' }), git_credentials: { username: 'alice', password: 'not-it-9d8e7f' } });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /authentication failed: the credentials for it were refused \(user alice\)/);
    assert.ok(!JSON.stringify(r.json).includes('not-it-9d8e7f'));
  });

  test('a new commit redeploys from the cached fetch; the repository\'s job.yaml wins over the one sent, and the deploy says so', async () => {
    writeFile(source, 'jobs/adder/job.yaml', JSON.stringify(manifest(`${remote.url}/public/adder.git`, { version: '0.0.4' })));
    await commitAll(source, 'job.yaml in the repo');
    assert.equal((await git(source, 'push', '-q', join(root, 'adder.git'), 'main')).code, 0);
    const r = await rt('deploy', '--from-remote', folderWith(manifest(`${remote.url}/public/adder.git`, { version: '0.0.9' })));
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /job\.yaml in http:\/\/127\.0\.0\.1:\d+\/public\/adder\.git differs from the one sent: the repository's is deployed/);
    assert.match(r.stdout, /adder 0\.0\.4 is live/);
  });

  test('bad remotes are refused with the field that is wrong', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ remote: 'file:///etc' }, /^git\.remote: the file: transport is not fetched/],
      [{ remote: '/srv/repos/adder.git' }, /^git\.remote: expected an https:\/\/, http:\/\/ or ssh:\/\/ URL/],
      [{ remote: 'ext::sh -c touch% /tmp/pwned' }, /^git\.remote: /],
      [{ remote: '--upload-pack=touch /tmp/pwned' }, /^git\.remote: not a URL git can fetch/],
      [{ remote: `http://alice:${PASSWORD}@127.0.0.1/x.git` }, /^git\.remote: credentials do not belong in the URL/],
      [{ remote: `${remote.url}/public/adder.git`, branch: 'nope' }, /^git\.branch: nope is not a branch of/],
      [{ remote: `${remote.url}/public/adder.git`, branch: '--help' }, /^git\.branch: "--help" is not a branch name/],
      [{ remote: `${remote.url}/public/adder.git`, directory: 'jobs/missing' }, /^git\.directory: jobs\/missing is not a folder of/],
      [{ remote: `${remote.url}/public/adder.git`, directory: '../..' }, /^git\.directory: "\.\.\/\.\." must be a relative path inside the repository/],
      [{ remote: 'http://127.0.0.1:1/nobody.git' }, /^git\.remote: fetching http:\/\/127\.0\.0\.1:1\/nobody\.git \(branch main\) failed/],
    ];
    for (const [g, expected] of cases) {
      const m = manifest('', { version: '0.1.0' });
      const r = await api('/deploy', { manifest: { ...m, git: { branch: 'main', directory: 'jobs/adder', ...g } } });
      assert.equal(r.status, 400, `${JSON.stringify(g)}: ${JSON.stringify(r.json)}`);
      assert.match(r.json.error, expected, JSON.stringify(g));
    }
    const plain = await api('/deploy', { manifest: manifest('http://git.example.com/adder.git'), git_credentials: { username: 'a', password: 'b' } });
    assert.match(plain.json.error, /^git_credentials: not sent over plain http to git\.example\.com/);
  });

  test('by default git.remote may not point at the server\'s loopback, its own LAN address or a metadata service, by address or by name', async () => {
    const strict = await startTestServer();
    try {
      const seen = remote.requests.length;
      const port = new URL(remote.url).port;
      const lan = Object.values(networkInterfaces()).flatMap((list) => list ?? []).find((a) => !a.internal && a.family === 'IPv4')?.address;
      assert.ok(lan, 'this host has an IPv4 address besides loopback');
      const cases: [string, RegExp][] = [
        [`${remote.url}/public/adder.git`, /^git\.remote: 127\.0\.0\.1 is an address remote deploys may not reach$/],
        [`http://localhost:${port}/public/adder.git`, /^git\.remote: localhost is at (127\.0\.0\.1|::1), an address remote deploys may not reach$/],
        [`http://[::ffff:127.0.0.1]:${port}/public/adder.git`, /may not reach$/],
        ['http://169.254.169.254/latest/meta-data/iam.git', /^git\.remote: 169\.254\.169\.254 is an address remote deploys may not reach$/],
        [`ssh://git@127.0.0.1:${new URL(strict.httpUrl).port}/adder.git`, /may not reach$/],
        // the host by another of its addresses: whatever listens on all of them answers there too
        [`http://${lan}:${port}/public/adder.git`, new RegExp(`^git\\.remote: ${lan.replaceAll('.', '\\.')} is an address remote deploys may not reach$`)],
      ];
      for (const [url, expected] of cases) {
        const res = await fetch(`${strict.httpUrl}/lifecycle/api/v1/deploy`, {
          method: 'POST', headers: { 'x-racetrack-auth': strict.token, 'content-type': 'application/json' },
          body: JSON.stringify({ manifest: manifest(url) }),
        });
        const body = (await res.json()) as { error: string; details?: string[] };
        assert.equal(res.status, 400, url);
        assert.match(body.error, expected, url);
        assert.match(body.details?.join('\n') ?? '', /RACETRACK_REMOTE_DENIED_NETWORKS: 127\.0\.0\.0\/8.*\nthis host's own addresses: /s, url);
      }
      assert.equal(remote.requests.length, seen, 'git never connected');
    } finally {
      await strict.cleanup();
    }
  });

  test('a remote named by host name is fetched from the address it was checked at', async () => {
    const url = `http://localhost:${new URL(remote.url).port}/public/adder.git`;
    const r = await api('/deploy', { manifest: manifest(url, { version: '0.3.0' }) });
    assert.ok(r.status === 201 || r.status === 202, JSON.stringify(r.json));
    const d = await finished(r.json.id);
    assert.equal(d.status, 'done', d.log);
    assert.equal(d.source.remote, url);
    assert.equal((await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [40, 2] } })).json, 42);
  });

  test('a redirect to another host is not followed: the credentials never reach it', async () => {
    const r = await api('/deploy', { manifest: manifest(`${remote.url}/moved/adder.git`, { version: '0.2.0' }), git_credentials: { username: 'alice', password: PASSWORD } });
    assert.equal(r.status, 400);
    assert.match(r.json.error, /^git\.remote: fetching .* failed/);
    assert.equal(other.requests.length, 0);
  });

  test('an ssh remote is fetched with the server\'s own key (here: from this server\'s ssh face)', async () => {
    const carrier = tempDir('rt-carrier-');
    writeFile(carrier, 'job.yaml', readFileSync(join(FIXTURES, 'adder', 'job.yaml'), 'utf8').replace('name: adder', 'name: carrier'));
    writeFile(carrier, 'adder.py', ADDER_PY);
    writeFile(carrier, 'inner/adder.py', ADDER_PY);
    await git(carrier, 'init', '-q', '-b', 'main');
    await commitAll(carrier, 'carrier');
    assert.equal((await pushSsh(server, carrier, 'carrier')).code, 0);
    const key = makeSshKey(tempDir('rt-fetch-key-'));
    const viaSsh = await startTestServer({ env: { ...LOOPBACK_ALLOWED, RACETRACK_REMOTE_SSH_KEY: key } });
    try {
      assert.equal((await server.ssh('keys add fetcher', readFileSync(`${key}.pub`, 'utf8'))).code, 0);
      const m = { ...manifest(server.sshUrl('carrier')), name: 'inner', git: { remote: server.sshUrl('carrier'), directory: 'inner' } };
      const res = await fetch(`${viaSsh.httpUrl}/lifecycle/api/v1/deploy`, { method: 'POST', headers: { 'x-racetrack-auth': viaSsh.token, 'content-type': 'application/json' }, body: JSON.stringify({ manifest: m }) });
      assert.ok(res.status === 202 || res.status === 201, await res.text());
      let ok = false;
      for (let i = 0; i < 240 && !ok; i++) {
        await new Promise((r) => setTimeout(r, 250));
        ok = (await callJob(viaSsh, '/pub/job/inner/0.0.2/api/v1/perform', { body: { numbers: [2, 3] } })).json === 5;
      }
      assert.ok(ok, viaSsh.output());
    } finally {
      await viaSsh.cleanup();
    }
  });

  test('an ssh remote is dialled at the address its name was checked at, and the host key is filed under the name', async () => {
    // the carrier pushed by the test above; a name that resolves nowhere, as a rebound name resolves elsewhere
    const key = makeSshKey(tempDir('rt-pin-key-'));
    assert.equal((await server.ssh('keys add pin-fetcher', readFileSync(`${key}.pub`, 'utf8'))).code, 0);
    const port = new URL(server.sshUrl('carrier')).port;
    const cacheRepo = join(tempDir('rt-pin-cache-'), 'repo.git');
    const fetchVia = (addresses: string[]) => fetchRemote({
      cacheRepo, remote: checkRemoteUrl(`ssh://git@racetrack-pinned.invalid:${port}/carrier`), addresses,
      branch: 'main', timeoutMs: 30_000, maxBytes: 10 * 1024 * 1024, sshKey: key,
    });
    const fetched = await fetchVia(['127.0.0.1']);
    assert.match(fetched.commit, /^[0-9a-f]{40}$/);
    assert.match(readFileSync(join(cacheRepo, 'known_hosts'), 'utf8'), new RegExp(`^\\[racetrack-pinned\\.invalid\\]:${port} ssh-`, 'm'));
    // an address it was not checked at is never dialled in its place
    await assert.rejects(fetchVia(['127.0.0.2']), /git\.remote: fetching ssh:\/\/git@racetrack-pinned\.invalid:\d+\/carrier \(branch main\) failed/);
  });

  test('a remote larger than the fetch bound is refused, many small objects as well as one big one', async () => {
    const big = tempDir('rt-remote-big-');
    writeFile(big, 'jobs/adder/adder.py', ADDER_PY);
    // incompressible, in many files: each loose object would stay under the bound, the whole fetch does not
    for (let i = 0; i < 40; i++) writeFile(big, `jobs/adder/data/${i}.bin`, randomBytes(8 * 1024).toString('base64'));
    await git(big, 'init', '-q', '-b', 'main');
    await commitAll(big, 'big');
    assert.equal((await run('git', ['clone', '-q', '--bare', big, join(root, 'big.git')])).code, 0);
    const small = await startTestServer({ env: { ...LOOPBACK_ALLOWED, RACETRACK_MAX_PUSH_BYTES: String(128 * 1024) } });
    try {
      const res = await fetch(`${small.httpUrl}/lifecycle/api/v1/deploy`, {
        method: 'POST', headers: { 'x-racetrack-auth': small.token, 'content-type': 'application/json' },
        body: JSON.stringify({ manifest: manifest(`${remote.url}/public/big.git`) }),
      });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, /^git\.remote: fetching .* failed: .*the repository is larger than 131072 bytes/);
    } finally {
      await small.cleanup();
    }
  });

  test('no credential is left anywhere in the data dir or the server log', () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        const st = statSync(path, { throwIfNoEntry: false });
        if (!st) continue;
        if (st.isDirectory()) walk(path);
        else if (st.isFile() && st.size < 64 * 1024 * 1024 && readFileSync(path).includes(PASSWORD)) found.push(path);
      }
    };
    walk(server.dataDir);
    assert.deepEqual(found, []);
    assert.ok(!server.output().includes(PASSWORD));
    assert.ok(remote.requests.some((r) => r.authorized), 'the private remote saw the credentials');
  });
});
