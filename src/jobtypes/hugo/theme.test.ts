// Debian's hugo builds Racetrack-style sites with our default theme: the sample (content only), a site with its
// own config, one with its own theme, one naming a theme it lacks, and one that does not build.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { runProcess } from '../../core/run-process.js';
import { buildHugoSite } from './build-hugo-site.js';

const SAMPLE = fileURLToPath(new URL('../../../test/fixtures/jobs/hugo-sample', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'rt-hugo-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let builds = 0;

/** Builds a copy of the sample with `files` added; resolves with the output folder. */
async function build(files: Record<string, string> = {}, siteTitle?: string, output: string[] = []): Promise<string> {
  const n = ++builds;
  const siteDir = join(tmp, `site-${n}`);
  cpSync(SAMPLE, siteDir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(siteDir, path, '..'), { recursive: true });
    writeFileSync(join(siteDir, path), text);
  }
  const cacheDir = join(tmp, `cache-${n}`);
  mkdirSync(cacheDir);
  const run = (args: string[], env: Record<string, string>) => runProcess('hugo', args, { what: 'hugo', env: { PATH: process.env.PATH, HOME: cacheDir, ...env }, onOutput: (s) => output.push(s) });
  return buildHugoSite({ siteDir, cacheDir, siteTitle, run, onOutput: (s) => output.push(s) });
}

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
}

describe('the hugo sample with the default theme', () => {
  let out: string;
  const manifest = parse(readFileSync(join(SAMPLE, 'job.yaml'), 'utf8'));
  const siteTitle: string = manifest.jobtype_extra?.site_title ?? manifest.wrapper_properties?.site_title;
  before(async () => { out = await build({}, siteTitle); });

  test('the home page has the site title from job.yaml and lists the posts, newest first', () => {
    const home = read(out, 'index.html');
    assert.match(home, /<title>Notes from the Pit Lane<\/title>/);
    assert.match(home, /<link rel="stylesheet" href="\.\/css\/racetrack\.css">/);
    const pitStops = home.indexOf('href="./posts/pit-stops/"');
    const tyres = home.indexOf('href="./posts/tyre-strategy/"');
    assert.ok(pitStops > 0 && tyres > pitStops, 'both posts, the newer first');
    assert.match(home, /<nav>[\s\S]*href="\.\/posts\/">Posts<[\s\S]*href="\.\/about\/">About<[\s\S]*<\/nav>/);
  });

  test('a post is its own page with its markdown rendered', () => {
    const post = read(out, 'posts/tyre-strategy/index.html');
    assert.match(post, /<title>Choosing Tyres · Notes from the Pit Lane<\/title>/);
    assert.match(post, /<h1>Choosing Tyres<\/h1>/);
    assert.match(post, /<time datetime="2023-03-02">2 Mar 2023<\/time>/);
    assert.match(post, /<p>A short note on <strong>tyre compounds<\/strong>\.<\/p>/);
    assert.match(post, /<ol>\s*<li>Soft - fastest, wears quickly<\/li>/);
    assert.match(post, /href="\.\.\/\.\.\/css\/racetrack\.css"/);
  });

  test('the section list and the 404 page exist, and the stylesheet is copied', () => {
    assert.match(read(out, 'posts/index.html'), /<h1>Posts<\/h1>[\s\S]*Pit Stops in Two Seconds[\s\S]*Choosing Tyres/);
    assert.match(read(out, '404.html'), /<h1>Not found<\/h1>/);
    assert.match(read(out, 'css/racetrack.css'), /font:/);
  });

  test('no page links to an absolute path, so the files serve as they are under /pub/job/NAME/VERSION/', () => {
    for (const file of allFiles(out).filter((f) => f.endsWith('.html'))) {
      const html = read(out, file);
      assert.doesNotMatch(html, /(href|src)="(\/|https?:)/, file);
    }
  });

  test('the site is built inside the job\'s folder, with our theme beside its own files and no public/', () => {
    assert.equal(out, join(tmp, 'site-1', '.racetrack-site'));
    assert.ok(existsSync(join(tmp, 'site-1', 'themes', 'racetrack-default', 'theme.toml')));
    assert.equal(existsSync(join(tmp, 'site-1', 'public')), false);
  });
});

describe('sites that bring their own', () => {
  test('a config of its own: its title wins over site_title; our theme still renders it', async () => {
    const out = await build({ 'config.toml': 'title = "Own Title"\nrelativeURLs = false\n' }, 'Ignored');
    const home = read(out, 'index.html');
    assert.match(home, /<title>Own Title<\/title>/);
    assert.match(home, /href="\.\/css\/racetrack\.css"/);
  });

  test('a theme of its own is used instead of ours', async () => {
    const out = await build({
      'hugo.toml': 'theme = "mine"\n',
      'themes/mine/layouts/index.html': '<p>mine: {{ site.Title }}</p>\n',
    }, 'With Title');
    assert.equal(read(out, 'index.html').trim(), '<p>mine: With Title</p>');
    assert.equal(existsSync(join(out, 'css', 'racetrack.css')), false);
  });

  test('a theme it names but does not ship (ananke, as Racetrack\'s plugin had) falls back to ours, saying so', async () => {
    const output: string[] = [];
    const out = await build({ 'config.toml': 'theme = "ananke"\n' }, 'Fallback', output);
    assert.match(read(out, 'index.html'), /<title>Fallback<\/title>/);
    assert.match(output.join(''), /the site's theme "ananke" is not in its themes\/ folder: building with the default theme/);
  });

  test('a site that does not build fails naming the file and the cause', async () => {
    await assert.rejects(build({ 'content/posts/broken.md': '---\ntitle: Broken\n---\n\n{{< no-such-shortcode >}}\n' }),
      /^BadRequestError: hugo failed: .*"content\/posts\/broken\.md:\d+:\d+.*no-such-shortcode/);
  });
});
