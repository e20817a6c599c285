// `npm start` runs compiled JavaScript: `npm run build` makes dist/ (TypeScript and the assets beside it), and
// bin/racetrack.js serves from it without tsx. The built server answers /health and deploys and serves a python3
// job by push, which needs the built-in plugin loaded from dist/ (plugin.yaml `module: plugin.js`), the copied
// wrapper, migrations and hooks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, callJob, makeJobRepo, pushSsh, run, startTestServer, type TestServer } from '../harness.js';

describe('the built server', () => {
  let server: TestServer;
  before(async () => {
    const built = await run('npm', ['run', 'build'], { cwd: ROOT });
    assert.equal(built.code, 0, built.stdout + built.stderr);
    server = await startTestServer({ binary: [join(ROOT, 'bin', 'racetrack.js')] });
  });
  after(async () => {
    await server?.cleanup();
  });

  test('dist/ holds the compiled sources and their assets, no tests', () => {
    for (const file of ['cli/main.js', 'jobtypes/python3/plugin.yaml', 'jobtypes/python3/plugin.js', 'jobtypes/python3/wrapper/racetrack_job_wrapper/__main__.py',
      'jobtypes/hugo/theme/theme.toml', 'jobtypes/golang/wrapper/metrics.go', 'db/migrations/meta/_journal.json']) {
      assert.ok(existsSync(join(ROOT, 'dist', file)), file);
    }
    assert.ok(!existsSync(join(ROOT, 'dist', 'core', 'errors.test.js')));
    assert.doesNotMatch(readFileSync(join(ROOT, 'bin', 'racetrack.js'), 'utf8'), /['"]tsx/, 'the binary imports no tsx');
  });

  test('it answers /health and serves a pushed python3 job', async () => {
    const health = await (await fetch(`${server.httpUrl}/health`)).json() as Record<string, unknown>;
    assert.equal(health.service, 'racetrack');
    assert.equal(health.status, 'pass');
    const pushed = await pushSsh(server, await makeJobRepo('adder'), 'adder');
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal((await callJob(server, '/pub/job/adder/latest/api/v1/perform', { body: { numbers: [40, 2] } })).json, 42);
  });
});
