// Builds a hugo job's site once into static files, in the job's own (build) folder: the site's own config and theme
// win, and a site that has none gets our default theme and the title from jobtype_extra.site_title, with links
// relative to the page so the files serve as they are under /pub/job/NAME/VERSION/. Hugo itself runs through
// `run` (ctx.run: confined like every build step of the target).
import { cpSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadRequestError, RtError } from '../../core/errors.js';

export const HUGO_THEME_DIR = fileURLToPath(new URL('./theme', import.meta.url));
/** the folder name of our theme inside a site's themes/ */
export const DEFAULT_THEME = 'racetrack-default';
/** the config files Hugo 0.111 reads from a site's root, in its order of preference */
export const SITE_CONFIGS = ['hugo.toml', 'hugo.yaml', 'hugo.json', 'config.toml', 'config.yaml', 'config.json'];
/** where the built site goes, inside the job's folder */
export const SITE_OUTPUT = '.racetrack-site';
/** our defaults, read before the site's own config */
const DEFAULTS_FILE = '.racetrack-hugo-defaults.toml';

/** Runs hugo with these arguments and variables; rejects with its last output lines as details. */
export type HugoRunner = (args: string[], env: Record<string, string>) => Promise<string>;

export interface HugoBuildOptions {
  /** the job's folder (a build's own copy): content/, and optionally a config file, themes/, layouts/, static/ */
  siteDir: string;
  /** a folder kept between builds, for Hugo's module and resource caches */
  cacheDir: string;
  /** jobtype_extra.site_title (or wrapper_properties.site_title): the title unless the site's config sets one */
  siteTitle?: string;
  run: HugoRunner;
  onOutput?: (text: string) => void;
}

export function defaultsConfig(title: string): string {
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

const lstatOf = (path: string): Stats | undefined => {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
};

/** What of ours a site needs besides its own files: our theme unless it has one of that name, and its config file if any. */
export function siteNeeds(siteDir: string): { ourTheme: boolean; siteConfig?: string } {
  // our files go into the job's folder, whose content the job chose: never through one of its links
  const themes = lstatOf(join(siteDir, 'themes'));
  if (themes && !themes.isDirectory()) throw new BadRequestError('themes: must be a folder of the site, not a link or a file');
  return { ourTheme: !lstatOf(join(siteDir, 'themes', DEFAULT_THEME)), siteConfig: SITE_CONFIGS.find((name) => lstatOf(join(siteDir, name))) };
}

/** hugo's arguments, the same on every target; `configs` are read in order, the right-most winning */
export function hugoArgs(site: string, out: string, configs: string[], cacheDir: string): string[] {
  return [
    '--source', site,
    '--destination', out,
    '--config', configs.join(','),
    '--cacheDir', cacheDir,
    '--baseURL', '/', // the same files serve under every /pub/job/NAME/VERSION/
    '--buildDrafts', // as Racetrack's hugo job type shows drafts
    '--noBuildLock',
  ];
}

/** HUGO_RELATIVEURLS overrides a site config's relativeURLs = false: absolute links would miss the job's prefix */
export const HUGO_ENV = { HUGO_RELATIVEURLS: 'true', HUGO_ENVIRONMENT: 'production' };

/** Resolves with the folder of the built site (SITE_OUTPUT in siteDir). */
export async function buildHugoSite(opts: HugoBuildOptions): Promise<string> {
  const site = opts.siteDir;
  const needs = siteNeeds(site);
  if (needs.ourTheme) {
    mkdirSync(join(site, 'themes'), { recursive: true });
    cpSync(HUGO_THEME_DIR, join(site, 'themes', DEFAULT_THEME), { recursive: true });
  }
  const defaults = join(site, DEFAULTS_FILE);
  rmSync(defaults, { force: true });
  writeFileSync(defaults, defaultsConfig(opts.siteTitle ?? 'Hugo Site'), { flag: 'wx' });
  const out = join(site, SITE_OUTPUT);
  rmSync(out, { recursive: true, force: true });
  // the site's own settings override our defaults
  const configs = [defaults, ...(needs.siteConfig ? [join(site, needs.siteConfig)] : [])];
  const hugo = (extra: string[]) => opts.run([...hugoArgs(site, out, configs, join(opts.cacheDir, 'hugo')), ...extra], HUGO_ENV);

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
    throw hugoError(e, site);
  }
  if (!lstatOf(join(out, 'index.html'))?.isFile()) {
    throw new BadRequestError('hugo made no index.html: the site has no home page layout (a theme, or layouts/index.html)');
  }
  // hugo copies what a link points to; a link in its output would be no site file of its own (the gateway refuses those too)
  const link = readdirSync(out, { recursive: true, withFileTypes: true }).find((e) => e.isSymbolicLink());
  if (link) throw new BadRequestError(`hugo's output has a link, ${relative(out, join(link.parentPath ?? link.path, link.name))}: a site serves its own files only`);
  return out;
}

/** The push shows hugo's first error, its paths relative to the site, and its output's last lines. */
function hugoError(e: RtError, site: string): RtError {
  const relative = (line: string) => line.split(`${site}/`).join('');
  const first = e.details.find((line) => /^Error: /.test(line)) ?? e.details.at(-1) ?? e.message;
  return new BadRequestError(`hugo failed: ${relative(first.replace(/^Error: /, ''))}`, e.details.map(relative));
}
