// The `racetrack` client as a subprocess with HOME in a temp dir: config, deploy of a git checkout and of a
// plain folder, list, call, logs, delete, and its exit codes (2 usage, 1 failure).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RACETRACK_FROM_SOURCE, makeJobRepo, run, startTestServer, tempDir, writeFile, type RunResult, type TestServer } from '../harness.js';

const GREETER = {
  'job.yaml': 'name: greeter\njobtype: python3:latest\nversion: 1.0.0\njobtype_extra:\n  entrypoint_path: greeter.py\n',
  'greeter.py': 'class Greeter:\n    def perform(self, name: str = "world") -> str:\n        return f"hello {name}"\n',
};

describe('racetrack CLI', () => {
  let server: TestServer;
  let home: string;
  const rt = (...args: string[]): Promise<RunResult> =>
    run(process.execPath, [...RACETRACK_FROM_SOURCE, ...args], { env: { HOME: home, NO_COLOR: '1' } });

  before(async () => {
    server = await startTestServer();
    home = tempDir('rt-home-');
  });
  after(async () => {
    await server.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  test('usage errors exit 2 with the usage; --help exits 0', async () => {
    const unknown = await rt('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    assert.match(unknown.stderr, /Usage: racetrack/);
    const flag = await rt('list', '--bogus');
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown option '--bogus'/);
    assert.equal((await rt('delete', 'adder')).code, 2); // --version is required
    assert.equal((await rt('call', 'adder', '/api/v1/perform', '{nope')).code, 2);
    const help = await rt('deploy', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: racetrack deploy \[options\] \[dir\]/);
  });

  test('login checks the token; get config masks it; remotes and aliases drop /lifecycle', async () => {
    const wrong = await rt('login', 'not-a-token', '--remote', server.httpUrl);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /login to .* failed: unknown or revoked token/);
    const login = await rt('login', server.token, '--remote', `${server.httpUrl}/lifecycle/`);
    assert.equal(login.code, 0, login.stderr);
    assert.equal((await rt('get', 'remote')).stdout.trim(), server.httpUrl);
    const config = await rt('get', 'config');
    assert.equal(config.code, 0);
    assert.ok(!config.stdout.includes(server.token), 'the token is masked');
    assert.match(config.stdout, /masked/);
    assert.equal(statSync(join(home, '.racetrack', 'config.yaml')).mode & 0o077, 0);
    assert.equal((await rt('set', 'alias', 'local', `${server.httpUrl}/lifecycle`)).code, 0);
    assert.equal((await rt('set', 'remote', 'local')).code, 0);
    assert.equal((await rt('get', 'remote')).stdout.trim(), server.httpUrl);
    assert.equal((await rt('set', 'credentials', 'https://git.example.com/x', 'me', 'secret-git-token-123')).code, 0);
    assert.ok(!(await rt('get', 'config')).stdout.includes('secret-git-token-123'));
    assert.match(readFileSync(join(home, '.racetrack', 'config.yaml'), 'utf8'), /lifecycle_url: local/);
  });

  test('deploy of a git checkout pushes HEAD over HTTP and streams the deploy', async () => {
    const repo = await makeJobRepo('adder');
    const r = await run(process.execPath, [...RACETRACK_FROM_SOURCE, 'deploy'], { cwd: repo, env: { HOME: home } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /remote: -----> Building adder 0\.0\.2 \(python3\)/);
    assert.match(r.stderr, /remote: -----> adder 0\.0\.2 is live/);
    assert.ok(!r.stderr.includes(server.token));
  });

  test('call prints the JSON answer', async () => {
    const r = await rt('call', 'adder', '/api/v1/perform', '{"numbers": [40, 2]}');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '42');
  });

  test('deploy of a plain folder uploads it and prints the deploy log as it goes', async () => {
    const dir = tempDir('rt-folder-');
    for (const [path, text] of Object.entries(GREETER)) writeFile(dir, path, text);
    assert.ok(!existsSync(join(dir, '.git')));
    const r = await rt('deploy', dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /-----> Uploading/);
    assert.match(r.stdout, /-----> Building greeter 1\.0\.0 \(python3\)/);
    assert.match(r.stdout, /-----> greeter 1\.0\.0 is live\n\s+http:\/\/\S+\/pub\/job\/greeter\/1\.0\.0\//);
    const call = await rt('call', 'greeter', 'api/v1/perform', '{"name": "cli"}', '--version', '1.0.0');
    assert.equal(JSON.parse(call.stdout), 'hello cli');
  });

  test('a failing upload exits 1 with the cause, after the log', async () => {
    const dir = tempDir('rt-folder-');
    for (const [path, text] of Object.entries(GREETER)) writeFile(dir, path, text);
    writeFile(dir, 'job.yaml', GREETER['job.yaml'].replace('1.0.0', '"1.0"'));
    const r = await rt('deploy', dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error: job\.yaml: version: "1\.0" is not a semantic version/);
  });

  test('list shows both jobs', async () => {
    const r = await rt('list');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+VERSION\s+STATUS\s+TYPE\s+INFRA\s+AGE\s+URL/);
    assert.match(r.stdout, /adder\s+0\.0\.2\s+running/);
    assert.match(r.stdout, /greeter\s+1\.0\.0\s+running/);
  });

  test('logs and build-logs', async () => {
    const logs = await rt('logs', 'adder', '--tail', '20');
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /job adder 0\.0\.2 is ready/);
    const build = await rt('build-logs', 'greeter', '--version', '1.0.0');
    assert.match(build.stdout, /-----> Building greeter 1\.0\.0/);
    assert.equal((await rt('logs', 'adder', '--tail', 'many')).code, 2);
  });

  test('logs --follow prints the tail and keeps streaming until interrupted', async () => {
    const child = spawn(process.execPath, [...RACETRACK_FROM_SOURCE, 'logs', 'adder', '--follow', '--tail', '5'], {
      env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 100 && !/is ready/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, /job adder 0\.0\.2 is ready/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(child.exitCode, null, 'still following');
    child.kill('SIGINT');
    await exited;
  });

  test('validate gives the server\'s verdict on job.yaml and deploys nothing', async () => {
    const dir = tempDir('rt-validate-');
    for (const [path, text] of Object.entries(GREETER)) writeFile(dir, path, text.replace('greeter\n', 'greeter-draft\n'));
    const ok = await rt('validate', dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /job\.yaml is valid: greeter-draft 1\.0\.0 \(python3:latest\)/);
    writeFile(dir, 'job.yaml', GREETER['job.yaml'].replace('python3:latest', 'cobol'));
    const bad = await rt('validate', dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: job\.yaml: jobtype: .*cobol/m);
    assert.ok(!(await rt('list')).stdout.includes('greeter-draft'));
  });

  test('version, get pub and get auth-token', async () => {
    const v = await rt('version');
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /^racetrack client \d+\.\d+\.\d+\nserver http:\/\/127\.0\.0\.1:\d+: \d+\.\d+\.\d+$/m);
    assert.equal((await rt('get', 'pub')).stdout.trim(), `${server.httpUrl}/pub`);
    assert.equal((await rt('get', 'auth-token')).stdout.trim(), server.token);
  });

  test('move names the target it cannot move to', async () => {
    const r = await rt('move', 'adder', '--version', '0.0.2', '--infra', 'mainframe');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: .*mainframe/m);
    assert.equal((await rt('move', 'adder', '--version', '0.0.2')).code, 2); // --infra is required
  });

  test('scale changes the replicas through the API; a bad count is exit 2, a refused one exit 1', async () => {
    const scaled = await rt('scale', 'greeter', '--version', '1.0.0', '--replicas', '2');
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stdout, /^greeter 1\.0\.0: 2 replica\(s\), running$/m);
    assert.equal((await rt('scale', 'greeter', '--version', '1.0.0', '--replicas', 'many')).code, 2);
    const refused = await rt('scale', 'greeter', '--version', '1.0.0', '--replicas', '0');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /replicas: must be a whole number from 1 to 50, not 0/);
  });

  test('delete removes a version; a missing job is exit 1 `error: job "x" not found`', async () => {
    const del = await rt('delete', 'greeter', '--version', '1.0.0');
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /deleted greeter 1\.0\.0/);
    for (const args of [['logs', 'greeter'], ['build-logs', 'nope'], ['delete', 'nope', '--version', '1.0.0'], ['call', 'greeter', '/api/v1/perform', '{}']]) {
      const r = await rt(...args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /^error: job "(greeter|nope)" not found$/m, args.join(' '));
    }
  });

  test('logout forgets the token', async () => {
    assert.equal((await rt('logout')).code, 0);
    const r = await rt('list');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not logged in/);
  });
});
