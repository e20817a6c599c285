// The hugo plugin keeps the job-type contract with Racetrack's hugo sample; its jobtype_extra and its image recipe.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtInJobTypes } from '../../../test/job-types.js';
import { Reporter } from '../../core/reporter.js';
import { loadManifest } from '../../manifest/index.js';
import { runJobTypeContract } from '../job-type-contract.js';
import type { BuildContext } from '../types.js';

const SAMPLE = fileURLToPath(new URL('../../../test/fixtures/jobs/hugo-sample', import.meta.url));
const hugo = (await builtInJobTypes()).get('hugo');

runJobTypeContract('hugo', { jobType: hugo, sample: SAMPLE });

describe('the hugo job type', () => {
  test('it builds static sites for process targets and images for image targets', () => {
    assert.deepEqual([...hugo.builds].sort(), ['image', 'process']);
    assert.deepEqual(hugo.reservedEnv ?? [], []);
  });

  test('jobtype_extra: site_title is a non-empty string; unknown fields are named', () => {
    assert.deepEqual(hugo.validateExtra({ site_title: 'Pit Lane' }), []);
    assert.deepEqual(hugo.validateExtra({}), []);
    assert.match(hugo.validateExtra({ site_title: 3 }).join(), /^site_title: must be a non-empty string/);
    assert.match(hugo.validateExtra({ site_title: ' ' }).join(), /^site_title: /);
    assert.match(hugo.validateExtra({ theme: 'x' }).join(), /^theme: unknown field of the hugo job type \(known: site_title\)/);
  });

  test('a RACETRACK_HUGO that is not there fails the build naming the setting and the fix', async () => {
    const { manifest } = loadManifest(readFileSync(join(SAMPLE, 'job.yaml'), 'utf8'), { path: 'job.yaml', readFile: () => undefined, validateJobtypeExtra: (_, e) => hugo.validateExtra(e) });
    const ctx = { jobDir: SAMPLE, manifest, buildEnv: {}, reporter: new Reporter(), setting: () => '/nonexistent/hugo', cacheDir: tmpdir(), run: async () => '' };
    await assert.rejects(hugo.buildProcess!(ctx), (e: Error & { details?: string[] }) =>
      /^RACETRACK_HUGO: \/nonexistent\/hugo is not installed on this server$/.test(e.message) && /set RACETRACK_HUGO/.test(e.details!.join()));
  });

  describe('the image recipe', () => {
    const work = mkdtempSync(join(tmpdir(), 'rt-hugo-recipe-'));
    after(() => rmSync(work, { recursive: true, force: true }));
    const ctxFor = (files: Record<string, string>, settings: Record<string, string> = {}): BuildContext => {
      const jobDir = mkdtempSync(join(work, 'job-'));
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(join(jobDir, path, '..'), { recursive: true });
        writeFileSync(join(jobDir, path), text);
      }
      const { manifest } = loadManifest(files['job.yaml']!, { path: 'job.yaml', readFile: () => undefined, validateJobtypeExtra: (_, e) => hugo.validateExtra(e) });
      const cacheDir = mkdtempSync(join(work, 'cache-'));
      return { jobDir, manifest, buildEnv: {}, reporter: new Reporter(), setting: (n) => settings[n], cacheDir };
    };
    const yaml = readFileSync(join(SAMPLE, 'job.yaml'), 'utf8');

    test('hugo builds as the job\'s user in a builder stage; nginx serves the files as that user; both bases are settings', async () => {
      const ctx = ctxFor({ 'job.yaml': yaml, 'content/a.md': '# a' }, { RACETRACK_HUGO_BASE_IMAGE: 'my/hugo:1', RACETRACK_HUGO_RUNTIME_IMAGE: 'my/nginx:1' });
      const recipe = await hugo.imageRecipe!(ctx);
      assert.deepEqual(recipe.baseImages, ['my/hugo:1', 'my/nginx:1']);
      const lines = recipe.dockerfile.trim().split('\n');
      assert.equal(lines[0], 'FROM my/hugo:1 AS site');
      assert.ok(lines.includes('COPY hugo/theme/ /site/themes/racetrack-default/'), 'our theme, the site having none');
      assert.equal(lines.filter((l) => l === 'USER 10000:10000').length, 2);
      assert.match(recipe.dockerfile, /"--config","\/racetrack\/defaults\.toml","--cacheDir"/);
      assert.equal(lines.at(-1), 'CMD ["nginx", "-e", "stderr", "-c", "/etc/racetrack/nginx.conf"]');
      assert.match(readFileSync(recipe.files['hugo/defaults.toml']!, 'utf8'), /^title = "Notes from the Pit Lane"$/m);
      assert.deepEqual(hugo.proxy?.(ctx.manifest), { port: 7000, mode: 'rewrite' });
    });

    test('a site with its own config and a theme of our theme\'s name keeps both', async () => {
      const ctx = ctxFor({ 'job.yaml': yaml, 'hugo.toml': 'title = "x"\n', 'themes/racetrack-default/theme.toml': '' });
      const recipe = await hugo.imageRecipe!(ctx);
      assert.match(recipe.dockerfile, /"--config","\/racetrack\/defaults\.toml,\/site\/hugo\.toml"/);
      assert.doesNotMatch(recipe.dockerfile, /COPY hugo\/theme\//);
    });

    test('a themes/ that is a link is refused: our theme is never written through one', async () => {
      const ctx = ctxFor({ 'job.yaml': yaml, 'content/a.md': '# a' });
      symlinkSync('content', join(ctx.jobDir, 'themes'));
      await assert.rejects(async () => hugo.imageRecipe!(ctx), /^BadRequestError: themes: must be a folder of the site, not a link/);
    });
  });
});
