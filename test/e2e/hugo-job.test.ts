// The hugo job type end to end, pushed with real git to a real server: Racetrack's hugo sample on local (built once
// in the job's sandbox, then served by the gateway from its folder with no process at all) and on docker (nginx as
// the job's user); a site that does not build fails the push with hugo's first error lines; a site with links to
// /etc/passwd and to the data dir is refused and leaks nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { dockerAvailable } from '../../src/deploy/docker/index.js';
import { callJob, commitAll, makeJobRepo, pushSsh, startTestServer, type TestServer } from '../harness.js';
import { removeDeploymentContainers } from '../docker-exec.js';

const engine = await dockerAvailable();
const skipDocker = engine ? false : 'skipped: no Docker engine';
const TITLE = 'Notes from the Pit Lane';

/** the hugo sample under another name */
async function sampleAs(name: string, files: Record<string, string> = {}): Promise<string> {
  const repo = await makeJobRepo('hugo-sample');
  writeFileSync(join(repo, 'job.yaml'), readFileSync(join(repo, 'job.yaml'), 'utf8').replace(/^name: .*$/m, `name: ${name}`));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(repo, path), text);
  await commitAll(repo, name);
  return repo;
}

describe('hugo job type, end to end', () => {
  let server: TestServer;
  const deployments = new Set<string>();

  before(async () => {
    server = await startTestServer();
  });

  after(async () => {
    await server.cleanup();
    if (!engine) return;
    const docker = new Docker();
    await removeDeploymentContainers(docker, deployments);
  });

  const info = async (name: string, version: string) => {
    const r = await server.ssh(`jobs info ${name} ${version} --json`);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { deployment_id: string; upstreams: string[]; status: string };
  };

  describe('on local: a static site the gateway serves, with no process', () => {
    const pub = (path: string, init?: Parameters<typeof callJob>[2]) => callJob(server, `/pub/job/hugo-sample/latest${path}`, init);

    before(async () => {
      const r = await pushSsh(server, await makeJobRepo('hugo-sample'), 'hugo-sample');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /remote: -----> Building the site with hugo/);
    });

    test('the home page shows site_title and lists the posts; a post and the stylesheet serve with their types', async () => {
      const home = await pub('/');
      assert.equal(home.status, 200, home.text);
      assert.match(home.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(home.text, new RegExp(`<title>${TITLE}</title>`));
      assert.match(home.text, /href="\.\/posts\/tyre-strategy\/"/);
      const post = await pub('/posts/tyre-strategy/');
      assert.equal(post.status, 200);
      assert.match(post.text, /<h1>Choosing Tyres<\/h1>/);
      const css = await pub('/css/racetrack.css');
      assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
      assert.ok(css.headers.get('etag') && css.headers.get('last-modified'));
    });

    test('a token is needed for pages, not for the probes the platform answers', async () => {
      assert.equal((await pub('/', { token: null })).status, 401);
      const health = (await pub('/health', { token: null })).json as Record<string, unknown>;
      assert.deepEqual([health.job_name, health.job_version, health.status], ['hugo-sample', '0.0.2', 'pass']);
      assert.deepEqual((await pub('/ready', { token: null })).json, { ready: true });
      assert.match((await pub('/metrics')).text, /hugo-sample/);
    });

    test('no process serves it: the version has no upstream, and a folder without its slash redirects under the base URL', async () => {
      const v = await info('hugo-sample', '0.0.2');
      assert.equal(v.status, 'running');
      assert.deepEqual(v.upstreams, []);
      // the built files belong to the server, not to the uid the build ran as: nothing of the job's changes them
      const site = readdirSync(join(server.dataDir, 'builds'), { recursive: true }).map(String).find((p) => p.endsWith('.racetrack-site'));
      assert.ok(site, 'the built site is in the build folder');
      assert.equal(statSync(join(server.dataDir, 'builds', site, 'index.html')).uid, process.getuid!());
      const res = await fetch(`${server.httpUrl}/pub/job/hugo-sample/0.0.2/posts`, { headers: { 'X-Racetrack-Auth': server.token }, redirect: 'manual' });
      assert.equal(res.status, 301);
      assert.equal(res.headers.get('location'), '/pub/job/hugo-sample/0.0.2/posts/');
    });

    test('after a restart of the server the site serves again, still with no process', async () => {
      server = await server.restart();
      const page = await pub('/posts/pit-stops/');
      assert.equal(page.status, 200, page.text);
      assert.match(page.text, /Pit Stops in Two Seconds/);
      assert.deepEqual((await info('hugo-sample', '0.0.2')).upstreams, []);
    });

    test('traversal through the gateway finds nothing outside the site', async () => {
      for (const path of ['/../../../job.yaml', '/%2e%2e/job.yaml', '/..%5cjob.yaml', '/css/..%2f..%2fjob.yaml']) {
        const r = await callJob(server, `/pub/job/hugo-sample/0.0.2${path}`);
        assert.ok([400, 404].includes(r.status), `${path}: ${r.status}`);
        assert.doesNotMatch(r.text, /owner_email/);
      }
    });
  });

  /** the sample with a page that names a shortcode no template defines */
  async function brokenSample(name: string): Promise<string> {
    const repo = await sampleAs(name);
    writeFileSync(join(repo, 'content', 'broken.md'), '---\ntitle: Broken\n---\n\n{{< no-such-shortcode >}}\n');
    await commitAll(repo, 'broken');
    return repo;
  }
  // the site's path: relative on local, /site/ in the image's builder stage
  const HUGO_ERROR = /"(\/site\/)?content\/broken\.md:5:1": failed to extract shortcode: template for shortcode "no-such-shortcode" not found/;

  test('a site that does not build fails the push with hugo\'s first error lines, and nothing is deployed', async () => {
    const r = await pushSsh(server, await brokenSample('hugo-broken'), 'hugo-broken');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`remote: .*hugo failed: .*${HUGO_ERROR.source}`));
    assert.notEqual((await server.ssh('jobs info hugo-broken 0.0.2 --json')).code, 0);
  });

  test('attack: links to /etc/passwd and to the data dir in static/ are refused; nothing leaks', async () => {
    const repo = await sampleAs('hugo-leak');
    mkdirSync(join(repo, 'static'));
    symlinkSync('/etc/passwd', join(repo, 'static', 'passwd'));
    symlinkSync(server.dataDir, join(repo, 'static', 'data'));
    await commitAll(repo, 'links');
    const r = await pushSsh(server, repo, 'hugo-leak');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /static\/(passwd|data) is a symlink to "[^"]+", outside the job's folder/);
    for (const path of ['/passwd', '/data/racetrack.db']) {
      const page = await callJob(server, `/pub/job/hugo-leak/latest${path}`);
      assert.equal(page.status, 404);
      assert.doesNotMatch(page.text, /root:/);
    }
  });

  describe('on docker: nginx serves the built site as the job\'s user', () => {
    const pub = (path: string, init?: Parameters<typeof callJob>[2]) => callJob(server, `/pub/job/hugo-on-docker/0.0.2${path}`, init);

    before(async () => {
      if (!engine) return;
      const r = await pushSsh(server, await sampleAs('hugo-on-docker'), 'hugo-on-docker', ['-o', 'infra=docker']);
      assert.equal(r.code, 0, r.stderr);
    });

    test('the pages serve through pub with site_title; a folder redirects under the base URL', { skip: skipDocker }, async () => {
      const home = await pub('/');
      assert.equal(home.status, 200, home.text);
      assert.match(home.text, new RegExp(`<title>${TITLE}</title>`));
      assert.match((await pub('/posts/pit-stops/')).text, /Pit Stops in Two Seconds/);
      assert.match((await pub('/css/racetrack.css')).headers.get('content-type') ?? '', /^text\/css/);
      assert.equal((await pub('/', { token: null })).status, 401);
      assert.equal((await pub('/no-such-page')).status, 404);
      const res = await fetch(`${server.httpUrl}/pub/job/hugo-on-docker/0.0.2/posts`, { headers: { 'X-Racetrack-Auth': server.token }, redirect: 'manual' });
      assert.equal(res.status, 301);
      assert.equal(res.headers.get('location'), '/pub/job/hugo-on-docker/0.0.2/posts/');
    });

    test('the probes and metrics answer; one container, running as the job\'s user, not root', { skip: skipDocker }, async () => {
      assert.deepEqual((await pub('/live', { token: null })).json, { live: true });
      assert.equal(((await pub('/health', { token: null })).json as { job_name: string }).job_name, 'hugo-on-docker');
      assert.match((await pub('/metrics')).text, /hugo-on-docker/);
      const { deployment_id: id } = await info('hugo-on-docker', '0.0.2');
      deployments.add(id);
      const docker = new Docker();
      const list = await docker.listContainers({ filters: { label: [`racetrack.deployment=${id}`] } });
      assert.equal(list.length, 1);
      assert.equal((await docker.getContainer(list[0]!.Id).inspect()).Config.User, '10000:10000');
    });

    test('a site that does not build fails the push with hugo\'s error from the builder stage', { skip: skipDocker }, async () => {
      const r = await pushSsh(server, await brokenSample('hugo-broken-docker'), 'hugo-broken-docker', ['-o', 'infra=docker']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, HUGO_ERROR);
    });
  });
});
