// No request stops the server, and every input is bounded (CONTRACT §10): each test performs an attack that
// worked before (issue 10) against the real server with real sockets, git and ssh.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { callJob, commitAll, gitSshEnv, makeJobRepo, pushHttp, pushSsh, run, sshArgs, startTestServer, tempDir, waitFor, type TestServer } from '../harness.js';

const pyJob = (name: string, init = 'pass') => ({
  'job.yaml': `name: ${name}\njobtype: python3\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: j.py\n`,
  'j.py': `import time\nclass J:\n    def __init__(self):\n        ${init}\n    def perform(self):\n        return "ok"\n`,
});

/** TCP ports the process listens on, read from /proc (its socket inodes matched against the kernel's tables). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9]!)) ports.add(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports].sort();
}

/** Resolves once the socket is closed by the other side (or rejects after ms). */
function closedWithin(socket: Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => reject(new Error(`still open after ${ms} ms`)), ms);
    socket.on('error', () => {});
    socket.resume(); // an unread socket never sees the other side's FIN
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

const portOf = (server: TestServer) => Number(new URL(server.httpUrl).port);
const basic = (token: string) => `Basic ${Buffer.from(`x:${token}`).toString('base64')}`;

function assertNoBugLogged(server: TestServer): void {
  assert.doesNotMatch(server.output(), /uncaught exception|unhandled rejection/);
}

describe('no request stops the server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
    // a repository with a ref, deployed nowhere: enough for git to serve it
    const repo = await makeJobRepo(pyJob('stored'));
    const r = await run('git', ['push', server.sshUrl('stored'), 'HEAD:refs/heads/feature'], { cwd: repo, env: gitSshEnv(server.keyPath) });
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await server.cleanup();
  });

  test('the hook channel is no TCP port: the server listens on its HTTP and SSH ports only', async () => {
    assert.deepEqual(listeningPorts(server.proc.pid!), [portOf(server), server.sshPort].sort());
    const socket = join(server.dataDir, 'run', 'hook.sock');
    assert.equal(statSync(socket).mode & 0o777, 0o600);
    assert.equal(statSync(join(server.dataDir, 'run')).mode & 0o777, 0o700);
  });

  test('a body of null, or any body, without the push\'s secret gets 403 and the server goes on', async () => {
    const hook = (headers: Record<string, string>, body: string) => new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: join(server.dataDir, 'run', 'hook.sock'), path: '/hook/pre-receive', method: 'POST', headers }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(await hook({}, 'null'), 403);
    assert.equal(await hook({ 'x-racetrack-push-id': 'deadbeef', 'x-racetrack-hook-secret': 'guess' }, 'null'), 403);
    assert.equal(await hook({ 'x-racetrack-push-id': 'deadbeef', 'x-racetrack-hook-secret': 'guess' }, '{"hook":"pre-receive"'), 403);
    assert.equal((await callJob(server, '/health', { token: null })).status, 200);
    assertNoBugLogged(server);
  });

  test('8 MB of garbage to git-upload-pack over HTTP and over SSH ends that request only', async () => {
    const garbage = Buffer.alloc(8 * 1024 * 1024, 'x');
    const res = await fetch(`${server.httpUrl}/git/stored.git/git-upload-pack`, {
      method: 'POST',
      headers: { authorization: basic(server.token), 'content-type': 'application/x-git-upload-pack-request' },
      body: garbage,
    }).then(async (r) => ({ status: r.status, text: await r.text().catch(() => '') }), (e: Error) => ({ status: 0, text: e.message }));
    assert.ok(res.status === 200 || res.status === 0, `answered ${res.status}`);
    const viaSsh = await run('ssh', [...sshArgs(server.keyPath, server.sshPort), 'git@127.0.0.1', "git-upload-pack 'stored'"], { input: garbage.toString() });
    assert.notEqual(viaSsh.code, 0);
    assert.equal((await callJob(server, '/health', { token: null })).status, 200);
    const clone = await run('git', ['clone', '-q', '--branch', 'feature', server.httpGitUrl('stored'), join(tempDir(), 'c')]);
    assert.equal(clone.code, 0, clone.stderr);
    assertNoBugLogged(server);
  });

  test('a malformed % escape in a /git/ path is a 400, not a 500', async () => {
    const r = await fetch(`${server.httpUrl}/git/%E0%A4%A.git/info/refs?service=git-upload-pack`, { headers: { authorization: basic(server.token) } });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /malformed escape/);
  });

  test('asking to push a new name, over HTTP or SSH, creates no repository; a failed first push leaves none', async () => {
    const adv = await fetch(`${server.httpUrl}/git/ghost.git/info/refs?service=git-receive-pack`, { headers: { authorization: basic(server.token) } });
    assert.equal(adv.status, 200);
    await adv.arrayBuffer();
    const opened = await run('ssh', [...sshArgs(server.keyPath, server.sshPort), 'git@127.0.0.1', "git-receive-pack 'phantom'"], { input: '0000' });
    assert.equal(opened.code, 0, opened.stderr);
    const bad = await makeJobRepo({ 'job.yaml': 'name: wraith\njobtype: python3\nversion: "1.0"\n' });
    assert.notEqual((await pushSsh(server, bad, 'wraith')).code, 0);
    assert.notEqual((await pushHttp(server, bad, 'wraith')).code, 0);
    // the repository of a failed first push goes once git has ended
    const repos = () => readdirSync(join(server.dataDir, 'repos')).filter((n) => !n.startsWith('.'));
    await waitFor('only stored.git', async () => (repos().join() === 'stored.git' ? true : undefined), 5000);
  });

  test('terminal escapes a job prints reach the pusher escaped, never raw', async () => {
    const repo = await makeJobRepo(pyJob('shouty', 'print("\\x1b]0;pwned\\x07\\x1b[31mRED\\x1b[0m", flush=True); raise SystemExit(3)'));
    const r = await pushSsh(server, repo, 'shouty');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\\u001b\[31mRED/);
    assert.doesNotMatch(r.stderr, /\x1b/);
  });

  test('the data dir is 0700 and the database files 0600', () => {
    assert.equal(statSync(server.dataDir).mode & 0o777, 0o700);
    for (const f of readdirSync(server.dataDir).filter((n) => n.startsWith('racetrack.db'))) {
      assert.equal(statSync(join(server.dataDir, f)).mode & 0o777, 0o600, f);
    }
  });
});

describe('every input is bounded in size and time', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: {
        RACETRACK_HEAD_TIMEOUT_MS: '1000',
        RACETRACK_BODY_IDLE_TIMEOUT_MS: '1000',
        RACETRACK_BODY_MIN_RATE: '200',
        RACETRACK_SSH_AUTH_TIMEOUT_MS: '1000',
        RACETRACK_MAX_CONNECTIONS_PER_ADDRESS: '20',
        RACETRACK_MAX_JOB_BYTES: '100000',
        RACETRACK_MAX_JOB_FILES: '50',
      },
    });
  });
  after(async () => {
    await server.cleanup();
  });

  test('a connection that sends nothing, or a head byte by byte, is closed', async () => {
    const silent = await openSocket(portOf(server));
    await closedWithin(silent, 5000);
    const trickle = await openSocket(portOf(server));
    const head = 'GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
    let i = 0;
    const timer = setInterval(() => {
      if (!trickle.destroyed && i < head.length) trickle.write(head[i++]!);
    }, 100);
    try {
      await closedWithin(trickle, 6000);
    } finally {
      clearInterval(timer);
    }
  });

  test('a body trickled a byte at a time (with a length or chunked), or one that pauses, is cut off; a steady one is not', async () => {
    const post = async (feed: (s: Socket) => NodeJS.Timeout | undefined, framing = 'Content-Length: 100000') => {
      const s = await openSocket(portOf(server));
      s.write(`POST /lifecycle/api/v1/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`);
      const timer = feed(s);
      try {
        await closedWithin(s, 8000);
      } finally {
        clearInterval(timer);
      }
    };
    // one byte every 250 ms never pauses a whole second, but averages 4 B/s, far below 200 B/s
    await post((s) => setInterval(() => !s.destroyed && s.write('x'), 250));
    await post((s) => setInterval(() => !s.destroyed && s.write('1\r\nx\r\n'), 250), 'Transfer-Encoding: chunked');
    await post(() => undefined);

    const steady = await fetch(`${server.httpUrl}/lifecycle/api/v1/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@example.com', password: 'x'.repeat(10) }),
    });
    assert.equal(steady.status, 401);
  });

  test('an SSH connection that never authenticates is closed', async () => {
    const s = await openSocket(server.sshPort);
    s.write('SSH-2.0-OpenSSH_9.2\r\n');
    await closedWithin(s, 5000);
  });

  test('connections over the per-address cap are closed at once; the rest keep working', async () => {
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const s = await openSocket(portOf(server));
        s.on('error', () => {});
        held.push(s);
        s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'); // keep-alive, answered, then idle
      }
      const extra = await openSocket(portOf(server));
      await closedWithin(extra, 2000);
    } finally {
      for (const s of held) s.destroy();
    }
    await waitFor('a connection to be accepted again', async () => ((await callJob(server, '/health', { token: null })).status === 200 ? true : undefined));
  });

  test('an upload bigger than the quota unpacked is refused naming the quota, and /health answers meanwhile', async () => {
    const { gzipSync } = await import('node:zlib');
    const tar = await run('sh', ['-c', 'mkdir -p /tmp/rt-bomb && head -c 5000000 /dev/zero > /tmp/rt-bomb/zeros && tar -C /tmp/rt-bomb -cf - zeros | base64 -w0']);
    const tgz = gzipSync(Buffer.from(tar.stdout, 'base64')).toString('base64');
    const deploying = fetch(`${server.httpUrl}/lifecycle/api/v1/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-racetrack-auth': server.token },
      body: JSON.stringify({ manifest: { name: 'bomb', jobtype: 'python3', jobtype_extra: { entrypoint_path: 'j.py' } }, build_context: tgz }),
    });
    assert.equal((await callJob(server, '/health', { token: null })).status, 200);
    const r = await deploying;
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: string }).error, /larger than 100000 bytes unpacked/);
  });

  test('a pushed tree over the quota is refused before it is exported', async () => {
    const repo = await makeJobRepo({ ...pyJob('heavy'), 'data.bin': 'x'.repeat(150_000) });
    const r = await pushSsh(server, repo, 'heavy');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /holds \d+ bytes of files, more than the 100000 a job may have/);
  });

  test('symlinks out of the job\'s folder are refused: job.yaml, extends, and any file the build would read', async () => {
    const dataDir = server.dataDir;
    const linked = async (name: string, links: Record<string, string>, files: Record<string, string> = pyJob(name)) => {
      const repo = await makeJobRepo(files);
      for (const [path, target] of Object.entries(links)) symlinkSync(target, join(repo, path));
      await commitAll(repo, 'links');
      return pushSsh(server, repo, name);
    };
    const yaml = await linked('yamllink', { 'job.yaml': join(dataDir, 'admin-token') }, { 'j.py': pyJob('x')['j.py'] });
    assert.notEqual(yaml.code, 0);
    assert.doesNotMatch(yaml.stderr, new RegExp(server.token));
    assert.match(yaml.stderr, /no job\.yaml in this commit/);

    const base = await linked('extlink', { 'base.yaml': join(dataDir, 'racetrack.db') }, {
      ...pyJob('extlink'),
      'job.yaml': `extends: base.yaml\n${pyJob('extlink')['job.yaml']}`,
    });
    assert.notEqual(base.code, 0);
    assert.match(base.stderr, /base\.yaml is a symlink to ".*racetrack\.db", outside the job's folder/);

    const key = await linked('keylink', { 'server.key': join(dataDir, 'server.key') });
    assert.notEqual(key.code, 0);
    assert.match(key.stderr, /server\.key is a symlink to ".*server\.key", outside the job's folder/);

    const climbing = await linked('climb', { 'up': '../../../../../../etc' });
    assert.notEqual(climbing.code, 0);
    assert.match(climbing.stderr, /up is a symlink to "\.\.\/\.\.\/.*", outside the job's folder/);

    const inside = await linked('inlink', { 'alias.py': 'j.py' });
    assert.equal(inside.code, 0, inside.stderr);
  });

  test('nothing in these attacks was a bug that reached the process', () => {
    assertNoBugLogged(server);
    assert.ok(existsSync(server.dataDir));
  });
});

describe('a deploy holds its job\'s lock even when its HTTP pusher goes away', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.cleanup();
  });

  test('a second push of the job waits for the first deploy to finish', async () => {
    const slow = await makeJobRepo(pyJob('locked', 'time.sleep(4)'));
    const child = run('git', ['push', server.httpGitUrl('locked'), 'HEAD:main'], { cwd: slow });
    await waitFor('the first deploy to start its job', async () => ((await deploysInProgress(server)) ? true : undefined));
    // the pusher goes away mid-deploy
    await run('pkill', ['-f', `git-remote-http.*${portOf(server)}/git/locked.git`]);
    await child;
    const next = await makeJobRepo({ ...pyJob('locked'), 'job.yaml': pyJob('locked')['job.yaml'].replace('1.0.0', '1.0.1') });
    const r = await pushSsh(server, next, 'locked', ['-f']);
    assert.match(r.stderr, /waiting for another deploy of locked to finish/);
    assertNoBugLogged(server);
  });
});

async function deploysInProgress(server: TestServer): Promise<boolean> {
  const r = await server.ssh('deploys list locked --json');
  const list = JSON.parse(r.stdout || '[]') as { status: string; phase: string }[];
  return list.some((d) => d.status === 'in_progress' && (d.phase === 'health' || d.phase === 'start'));
}
