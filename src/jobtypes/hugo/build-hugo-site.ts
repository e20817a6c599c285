// Builds a hugo job's site once into static files: the site's own config and theme win, and a site that has
// none gets our default theme and the title from jobtype_extra.site_title, with links relative to the page
// so the files serve as they are under /pub/job/NAME/VERSION/.
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RtError } from '../../core/errors.js';
import { runProcess } from '../../core/run-process.js';

export const HUGO_THEME_DIR = fileURLToPath(new URL('./theme', import.meta.url));
/** the folder name of our theme inside a site's themes/ */
export const DEFAULT_THEME = 'racetrack-default';
/** the config files Hugo 0.111 reads from a site's root, in its order of preference */
const SITE_CONFIGS = ['hugo.toml', 'hugo.yaml', 'hugo.json', 'config.toml', 'config.yaml', 'config.json'];

export interface HugoBuildOptions {
  /** the job's root: content/, and optionally a config file, themes/, layouts/, static/ */
  siteDir: string;
  /** an empty folder for the copy of the site that is built (the caller removes it) */
  workDir: string;
  /** where the static files are written */
  outDir: string;
  /** jobtype_extra.site_title (or wrapper_properties.site_title): the title unless the site's config sets one */
  siteTitle?: string;
  onOutput?: (text: string) => void;
  hugo?: string;
}

function defaultsConfig(title: string): string {
  return [
    '# Written by the hugo job type: defaults under the site\'s own config, which is read after this file.',
    'baseURL = "/"',
    'relativeURLs = true',
    'languageCode = "en-us"',
    `title = ${JSON.stringify(title)}`,
    `theme = "${DEFAULT_THEME}"`,
    '',
  ].join('\n');
}

export async function buildHugoSite(opts: HugoBuildOptions): Promise<void> {
  // built from a copy: the job's folder stays as pushed, and our theme sits beside the site's own themes
  const site = resolve(opts.workDir, 'site');
  cpSync(opts.siteDir, site, { recursive: true, filter: (src) => !/(^|\/)(\.git|public)$/.test(src) });
  if (!existsSync(join(site, 'themes', DEFAULT_THEME))) {
    mkdirSync(join(site, 'themes'), { recursive: true });
    cpSync(HUGO_THEME_DIR, join(site, 'themes', DEFAULT_THEME), { recursive: true });
  }
  const defaults = resolve(opts.workDir, 'racetrack-defaults.toml');
  writeFileSync(defaults, defaultsConfig(opts.siteTitle ?? 'Hugo Site'));
  const siteConfig = SITE_CONFIGS.find((name) => existsSync(join(site, name)));
  // absolute paths, the right-most file winning: the site's own settings override our defaults
  const configs = [defaults, ...(siteConfig ? [join(site, siteConfig)] : [])];
  const hugo = (extra: string[]) => runProcess(opts.hugo ?? 'hugo', [
    '--source', site,
    '--destination', resolve(opts.outDir),
    '--config', configs.join(','),
    '--cacheDir', join(opts.workDir, 'cache'),
    '--baseURL', '/', // the same files serve under every /pub/job/NAME/VERSION/
    '--buildDrafts', // as Racetrack's hugo job type shows drafts
    '--noBuildLock',
    ...extra,
  ], {
    cwd: opts.workDir,
    // HUGO_RELATIVEURLS overrides a site config's relativeURLs = false: absolute links would miss the job's prefix
    env: { PATH: process.env.PATH, HOME: opts.workDir, HUGO_RELATIVEURLS: 'true', HUGO_ENVIRONMENT: 'production' },
    what: 'hugo',
    onOutput: opts.onOutput,
  });

  try {
    await hugo([]).catch(async (e: unknown) => {
      // a site written for Racetrack's plugin may name the theme that plugin shipped (ananke) without shipping it
      const missing = e instanceof RtError && e.details.join('\n').match(/module "([^"]+)" not found/)?.[1];
      if (!missing) throw e;
      opts.onOutput?.(`the site's theme "${missing}" is not in its themes/ folder: building with the default theme\n`);
      await hugo(['--theme', DEFAULT_THEME]);
    });
  } catch (e) {
    if (!(e instanceof RtError)) throw e;
    const error = e.details.find((line) => /^Error: /.test(line)) ?? e.details.at(-1) ?? e.message;
    throw new RtError(`hugo failed: ${error.replace(/^Error: /, '').split(`${site}/`).join('')}`, { details: e.details });
  }
  if (!existsSync(join(opts.outDir, 'index.html'))) {
    throw new RtError('hugo made no index.html: the site has no home page layout (a theme, or layouts/index.html)');
  }
}
