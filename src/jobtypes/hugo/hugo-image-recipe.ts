// How image targets build a hugo job: hugo runs in a builder stage (an offline base with Debian's hugo, the setting
// RACETRACK_HUGO_BASE_IMAGE) as the job's user, with the same arguments as on local; the image that runs is nginx
// (RACETRACK_HUGO_RUNTIME_IMAGE, Debian's nginx) serving only the built files, as that user. nginx because it is a
// kept, hardened static server — validators, ranges, HEAD, content types, no link followed (disable_symlinks) —
// that needs no toolchain in the image and nothing of ours to maintain.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildContext, ImageRecipe } from '../types.js';
import { DEFAULT_THEME, HUGO_ENV, HUGO_THEME_DIR, SITE_OUTPUT, defaultsConfig, hugoArgs, siteNeeds } from './build-hugo-site.js';

export const DEFAULT_BUILDER_IMAGE = 'racetrack/hugo:0.111-bookworm';
export const DEFAULT_RUNTIME_IMAGE = 'racetrack/nginx:bookworm';
/** where nginx listens inside the container */
export const CONTAINER_PORT = 7000;
/** the job's uid and gid in both stages: numeric, so the docker target sees it is not root */
const JOB_UID = 10000;
const DOCKER_DIR = fileURLToPath(new URL('./docker', import.meta.url));

export function hugoImageRecipe(ctx: BuildContext, siteTitle: string | undefined): ImageRecipe {
  const builder = ctx.setting('RACETRACK_HUGO_BASE_IMAGE') ?? DEFAULT_BUILDER_IMAGE;
  const runtime = ctx.setting('RACETRACK_HUGO_RUNTIME_IMAGE') ?? DEFAULT_RUNTIME_IMAGE;
  const needs = siteNeeds(ctx.jobDir);
  // the defaults config is the job's (its title): kept in its cache folder, which nothing of the job writes on image targets
  const defaults = join(ctx.cacheDir, 'hugo-defaults.toml');
  mkdirSync(ctx.cacheDir, { recursive: true });
  rmSync(defaults, { force: true });
  writeFileSync(defaults, defaultsConfig(siteTitle ?? 'Hugo Site'), { flag: 'wx' });
  const out = `/site/${SITE_OUTPUT}`;
  const configs = ['/racetrack/defaults.toml', ...(needs.siteConfig ? [`/site/${needs.siteConfig}`] : [])];
  const user = `${JOB_UID}:${JOB_UID}`;
  const lines = [
    `FROM ${builder} AS site`,
    'COPY hugo/build-site.sh hugo/defaults.toml /racetrack/',
    `COPY --chown=${user} job/ /site/`,
    ...(needs.ourTheme ? [`COPY hugo/theme/ /site/themes/${DEFAULT_THEME}/`] : []),
    `USER ${user}`,
    `ENV HOME=/tmp ${Object.entries(HUGO_ENV).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `RUN ${JSON.stringify(['/bin/sh', '/racetrack/build-site.sh', out, ...hugoArgs('/site', out, configs, '/tmp/hugo-cache')])}`,
    `FROM ${runtime}`,
    'COPY hugo/nginx.conf /etc/racetrack/nginx.conf',
    // root owns the files: nginx, as the job's user, reads them and changes none
    `COPY --from=site --chown=0:0 ${out}/ /srv/site/`,
    `EXPOSE ${CONTAINER_PORT}`,
    `USER ${user}`,
    'CMD ["nginx", "-e", "stderr", "-c", "/etc/racetrack/nginx.conf"]',
  ];
  return {
    dockerfile: lines.join('\n') + '\n',
    files: {
      'hugo/build-site.sh': join(DOCKER_DIR, 'build-site.sh'),
      'hugo/nginx.conf': join(DOCKER_DIR, 'nginx.conf'),
      'hugo/defaults.toml': defaults,
      'hugo/theme': HUGO_THEME_DIR,
    },
    baseImages: [builder, runtime],
    baseImageSetting: 'RACETRACK_HUGO_BASE_IMAGE',
    buildArgs: {},
  };
}
