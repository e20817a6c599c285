// Plugins through every face against one running server: the third-party example plugin (examples/plugins/node-script)
// is zipped, installed over ssh with the real OpenSSH client, used by a job deployed with a real git push and called
// through /pub; removal is refused while that version runs and works once it is deleted. The CLI installs a folder
// and a URL beside it. Bad zips and non-admins are refused with the reason, and the plugins folder stays as it was.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import yazl from 'yazl';
import {
  RACETRACK_FROM_SOURCE, ROOT, callJob, makeJobRepo, makeSshKey, pushSsh, run, sshArgs, startTestServer, tempDir, type RunResult, type TestServer,
} from '../harness.js';

const EXAMPLE = join(ROOT, 'examples', 'plugins', 'node-script');
const MIB = 1024 * 1024;

/** A zip of these entries (name → text, or a symlink's target with `link`), made with yazl like any zip tool. */
async function zipOf(files: Record<string, string | { link: string }>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [path, body] of Object.entries(files)) {
    if (typeof body === 'string') zip.addBuffer(Buffer.from(body), path);
    else zip.addBuffer(Buffer.from(body.link), path, { mode: 0o120777 });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The example plugin's files, optionally with its plugin.yaml changed. */
function exampleFiles(yaml = (y: string) => y): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of ['plugin.mjs', 'wrapper.mjs']) files[name] = readFileSync(join(EXAMPLE, name), 'utf8');
  files['plugin.yaml'] = yaml(readFileSync(join(EXAMPLE, 'plugin.yaml'), 'utf8'));
  return files;
}

/** Every path under DATA_DIR/plugins: what a refused install must leave unchanged. */
function pluginsTree(server: TestServer): string[] {
  return (readdirSync(join(server.dataDir, 'plugins'), { recursive: true }) as string[]).sort();
}

/** Renames an entry inside a zip (same length, in its local header and the central directory) to a name yazl would refuse to write. */
function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  assert.equal(from.length, to.length);
  return Buffer.from(zip.toString('latin1').replaceAll(from, to), 'latin1');
}

describe('plugins', () => {
  let server: TestServer;
  let home: string;
  const rt = (...args: string[]): Promise<RunResult> =>
    run(process.execPath, [...RACETRACK_FROM_SOURCE, ...args], { env: { HOME: home, NO_COLOR: '1' } });
  const api = (path: string, init: { method?: string; body?: Buffer; token?: string } = {}) =>
    fetch(`${server.httpUrl}/lifecycle/api/v1${path}`, {
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      headers: { 'x-racetrack-auth': init.token ?? server.token, 'content-type': 'application/zip' },
      body: init.body ? new Uint8Array(init.body) : undefined,
    });
  const listed = async () => JSON.parse((await server.ssh('plugins list --json')).stdout) as {
    name: string; version: string; source: string; in_use: number; used_by: string[]; status: string;
  }[];

  before(async () => {
    server = await startTestServer();
    home = tempDir('rt-home-');
  });
  after(async () => {
    await server.cleanup();
  });

  test('help: the group alone, --help on each command; a usage error exits 2', async () => {
    for (const command of ['plugins', 'plugins --help']) {
      const r = await server.ssh(command);
      assert.equal(r.code, 0, r.stderr);
      for (const c of ['plugins list', 'plugins install', 'plugins remove NAME[@VERSION]']) assert.ok(r.stdout.includes(c), `${command} names ${c}`);
    }
    const help = await server.ssh('plugins install --help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: plugins install \[--json\] < plugin\.zip/);
    assert.match(help.stdout, /at most 16 MiB/);
    assert.equal((await server.ssh('plugins remove')).code, 2);
    const twoAts = await server.ssh('plugins remove a@1@2');
    assert.equal(twoAts.code, 2);
    assert.match(twoAts.stderr, /^error: NAME\[@VERSION\]: "a@1@2" is not a plugin name/);
    const noZip = await server.ssh('plugins install');
    assert.equal(noZip.code, 2);
    assert.match(noZip.stderr, /error: stdin: no plugin zip given/);
  });

  test('the built-in job types are listed as plugins; they cannot be removed', async () => {
    const python3 = (await listed()).find((p) => p.name === 'python3');
    assert.deepEqual({ source: python3?.source, status: python3?.status, in_use: python3?.in_use }, { source: 'built-in', status: 'loaded', in_use: 0 });
    const table = await server.ssh('plugins list');
    assert.match(table.stdout, /^NAME\s+VERSION\s+CATEGORY\s+SOURCE\s+IN USE\s+DESCRIPTION/);
    assert.match(table.stdout, /python3\s+1\.0\.0\s+job-type\s+built-in\s+0/);
    const r = await server.ssh(`plugins remove python3@${python3!.version}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /plugin python3@1\.0\.0 is built in and cannot be removed/);
  });

  test('the example plugin: installed over ssh, a job pushed with it answers through /pub, removal waits for the job to go', async () => {
    const zip = await zipOf(exampleFiles());
    const installed = await server.ssh('plugins install', zip);
    assert.equal(installed.code, 0, installed.stderr);
    assert.equal(installed.stdout, 'installed job-type plugin node-script@1.0.0\n');

    // a job whose module does not parse: the push fails with the checker's first lines
    const broken = await makeJobRepo({ 'job.yaml': 'name: node-broken\njobtype: node-script\nversion: 1.0.0\n', 'perform.mjs': 'export function perform( {\n' });
    const refusedPush = await pushSsh(server, broken, 'node-broken');
    assert.notEqual(refusedPush.code, 0);
    assert.match(refusedPush.stderr, /remote: .*perform\.mjs:\d+/);
    assert.match(refusedPush.stderr, /remote: .*SyntaxError/);

    // a real git push of the sample job, which names node-script:1.0.0
    const repo = await makeJobRepo(Object.fromEntries(['job.yaml', 'perform.mjs'].map((f) => [f, readFileSync(join(EXAMPLE, 'sample', f), 'utf8')])));
    const pushed = await pushSsh(server, repo, 'node-adder');
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stderr, /remote: .*Checking perform\.mjs/);
    assert.match(pushed.stderr, /remote: -----> node-adder 1\.0\.0 is live/);
    const sum = await callJob(server, '/pub/job/node-adder/1.0.0/api/v1/perform', { body: { numbers: [40, 2] } });
    assert.deepEqual({ status: sum.status, json: sum.json }, { status: 200, json: 42 });
    const bad = await callJob(server, '/pub/job/node-adder/latest/api/v1/perform', { body: { numbers: 'x' } });
    assert.deepEqual({ status: bad.status, json: bad.json }, { status: 400, json: { error: 'numbers: expected a list of numbers', type: 'TypeError' } });
    const health = await callJob(server, '/pub/job/node-adder/1.0.0/health');
    assert.equal((health.json as { job_name: string }).job_name, 'node-adder');

    // the version remembers the plugin version it was built with, on every face
    const info = await server.ssh('jobs info node-adder 1.0.0 --json');
    assert.equal(JSON.parse(info.stdout).jobtype, 'node-script@1.0.0');
    assert.match((await server.ssh('jobs info node-adder 1.0.0')).stdout, /jobtype\s+node-script@1\.0\.0/);
    assert.equal(((await (await api('/job/node-adder/1.0.0')).json()) as { jobtype: string }).jobtype, 'node-script@1.0.0');
    const entry = (await listed()).find((p) => p.name === 'node-script');
    assert.deepEqual({ source: entry?.source, in_use: entry?.in_use, used_by: entry?.used_by }, { source: 'installed', in_use: 1, used_by: ['node-adder v1.0.0'] });

    const refused = await server.ssh('plugins remove node-script@1.0.0');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^error: plugin node-script@1\.0\.0 is in use by node-adder v1\.0\.0/);
    const refusedApi = await api('/plugin/node-script/1.0.0', { method: 'DELETE' });
    assert.equal(refusedApi.status, 409);
    assert.match(((await refusedApi.json()) as { error: string }).error, /in use by node-adder v1\.0\.0/);
    assert.equal((await callJob(server, '/pub/job/node-adder/1.0.0/api/v1/perform', { body: { numbers: [1, 2] } })).json, 3);

    assert.equal((await server.ssh('jobs delete node-adder 1.0.0')).code, 0);
    const removed = await server.ssh('plugins remove node-script@1.0.0');
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, 'removed plugin node-script@1.0.0\n');
    assert.ok(!(await listed()).some((p) => p.name === 'node-script'));
    assert.deepEqual(pluginsTree(server), []);
    // the job type is gone: a push naming it fails, naming the installed ones
    const again = await pushSsh(server, repo, 'node-adder');
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /jobtype: unknown job type "node-script"; installed job types: .*python3/);
  });

  test('bad zips and non-admins are refused with the reason; nothing is half-installed', async () => {
    const before = pluginsTree(server);
    const refusedOverApi = async (zip: Buffer, status: number, reason: RegExp) => {
      const res = await api('/plugin/upload', { body: zip });
      const text = await res.text();
      assert.equal(res.status, status, text);
      assert.match((JSON.parse(text) as { error: string }).error, reason);
      assert.deepEqual(pluginsTree(server), before, 'the plugins folder is unchanged');
    };
    await refusedOverApi(await zipOf(exampleFiles((y) => y.replace(/^description: .*\n/m, ''))), 400, /^plugin refused: plugin\.yaml: description: is required$/);
    await refusedOverApi(await zipOf(exampleFiles((y) => y.replace(/^version: .*$/m, 'version: one'))), 400, /version: "one" is not a semantic version/);
    await refusedOverApi(renameEntry(await zipOf({ ...exampleFiles(), 'ab/x': 'x' }), 'ab/x', '../x'), 400, /^plugin: zip refused: invalid relative path: \.\.\/x$/);
    await refusedOverApi(renameEntry(await zipOf({ ...exampleFiles(), xetc: 'x' }), 'xetc', '/etc'), 400, /^plugin: zip refused: absolute path: \/etc$/);
    await refusedOverApi(await zipOf({ ...exampleFiles(), 'passwd': { link: '/etc/passwd' } }), 400, /"passwd" is a link or a special file/);
    await refusedOverApi(await zipOf(exampleFiles((y) => y.replace(/^name: .*$/m, 'name: python3'))), 409, /^plugin python3@1\.0\.0 is already installed$/);
    await refusedOverApi(Buffer.from('not a zip at all'), 400, /not a zip archive/);
    await refusedOverApi(Buffer.alloc(16 * MIB + 1), 413, /larger than 16 MiB/);
    const huge = await server.ssh('plugins install', Buffer.alloc(17 * MIB));
    assert.equal(huge.code, 1);
    assert.match(huge.stderr, /^error: stdin: the plugin zip is larger than 16 MiB/);

    // a clash with an installed version: the second copy is refused and the first one stays as it was
    const good = await zipOf(exampleFiles((y) => y.replace(/^version: .*$/m, 'version: 2.0.0')));
    assert.equal((await api('/plugin/upload', { body: good })).status, 201);
    const installedTree = pluginsTree(server);
    const clash = await server.ssh('plugins install', good);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /^error: plugin node-script@2\.0\.0 is already installed\nbump its version in plugin\.yaml/);
    assert.deepEqual(pluginsTree(server), installedTree);

    // a user who is not an admin: refused over ssh and API, and the refusal is audited
    const key = makeSshKey(tempDir(), 'dev');
    const add = await server.ssh(`users add dev@example.com --key "${readFileSync(`${key}.pub`, 'utf8').trim()}" --token`);
    assert.equal(add.code, 0, add.stderr);
    const devToken = add.stdout.trim().split('\n').pop()!;
    const other = await zipOf(exampleFiles((y) => y.replace(/^version: .*$/m, 'version: 3.0.0')));
    const bySsh = await run('ssh', [...sshArgs(key, server.sshPort), 'git@127.0.0.1', 'plugins install'], { input: other });
    assert.equal(bySsh.code, 1);
    assert.match(bySsh.stderr, /^error: this needs an admin/);
    const byApi = await api('/plugin/upload', { body: other, token: devToken });
    assert.equal(byApi.status, 403);
    const removeByDev = await run('ssh', [...sshArgs(key, server.sshPort), 'git@127.0.0.1', 'plugins remove node-script@2.0.0']);
    assert.equal(removeByDev.code, 1);
    assert.match(removeByDev.stderr, /this needs an admin/);
    assert.equal((await api('/plugin', { token: devToken })).status, 200, 'anyone signed in may list');
    assert.deepEqual(pluginsTree(server), installedTree);
    const audit = JSON.parse((await server.ssh('audit --json --limit 40')).stdout) as { actor: string; action: string; ok: boolean; detail: string }[];
    assert.ok(audit.some((e) => e.actor === 'user:dev@example.com' && e.action === 'plugin.install' && !e.ok && /not an admin|needs an admin/.test(e.detail)));
    assert.ok(audit.some((e) => e.action === 'plugin.install' && e.ok && e.detail === 'node-script@2.0.0 (job-type)'));
    assert.ok(audit.some((e) => e.action === 'plugin.install' && !e.ok && /description: is required/.test(e.detail)));

    assert.equal((await api('/plugin/node-script/2.0.0', { method: 'DELETE' })).status, 200);
    assert.deepEqual(pluginsTree(server), before);
  });

  test('CLI: plugin install of a folder and of a URL, side by side; list; uninstall; a download too big is refused', async () => {
    assert.equal((await rt('login', server.token, '--remote', server.httpUrl)).code, 0);
    const folder = tempDir('rt-plugin-');
    cpSync(EXAMPLE, folder, { recursive: true });
    writeFileSync(join(folder, 'plugin.yaml'), readFileSync(join(EXAMPLE, 'plugin.yaml'), 'utf8').replace(/^version: .*$/m, 'version: 1.1.0'));
    const fromFolder = await rt('plugin', 'install', folder);
    assert.equal(fromFolder.code, 0, fromFolder.stderr);
    assert.match(fromFolder.stdout, /^installed job-type plugin node-script@1\.1\.0 from .* \(zipped\)$/m);

    const zip = await zipOf(exampleFiles((y) => y.replace(/^version: .*$/m, 'version: 1.2.0')));
    const web: Server = createServer((req, res) => {
      if (req.url === '/big.zip') {
        res.writeHead(200, { 'content-type': 'application/zip' });
        // no content-length: the client must count what arrives
        for (let i = 0; i < 17; i += 1) res.write(Buffer.alloc(MIB));
        return void res.end();
      }
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length });
      res.end(zip);
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    try {
      const fromUrl = await rt('plugin', 'install', `${base}/node-script.zip`);
      assert.equal(fromUrl.code, 0, fromUrl.stderr);
      assert.match(fromUrl.stdout, /installed job-type plugin node-script@1\.2\.0/);
      const big = await rt('plugin', 'install', `${base}/big.zip`);
      assert.equal(big.code, 1);
      assert.match(big.stderr, /larger than 16 MiB/);
    } finally {
      web.close();
    }
    const missing = await rt('plugin', 'install', join(folder, 'nope.zip'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /PATH: .*nope\.zip does not exist/);

    const list = await rt('plugin', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /node-script\s+1\.1\.0\s+job-type\s+installed\s+0/);
    assert.match(list.stdout, /node-script\s+1\.2\.0\s+job-type\s+installed\s+0/);
    const one = await rt('plugin', 'uninstall', 'node-script', '--version', '1.1.0');
    assert.equal(one.code, 0, one.stderr);
    assert.equal(one.stdout, 'removed plugin node-script@1.1.0\n');
    const rest = await rt('plugin', 'uninstall', 'node-script');
    assert.equal(rest.code, 0, rest.stderr);
    assert.equal(rest.stdout, 'removed plugin node-script@1.2.0\n');
    const gone = await rt('plugin', 'uninstall', 'node-script');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no plugin node-script is installed/);
    assert.deepEqual(pluginsTree(server), []);
  });
});
