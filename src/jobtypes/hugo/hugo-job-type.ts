// The hugo job type: a Hugo site built once at deploy into static files, served with no Hugo process. On process
// targets (local) the build runs confined like every build step and leaves a static artifact the gateway serves
// itself; on image targets nginx serves the files (hugo-image-recipe.ts). Its settings: RACETRACK_HUGO (the binary
// local builds run), RACETRACK_HUGO_BASE_IMAGE and RACETRACK_HUGO_RUNTIME_IMAGE.
import type { BuildContext, JobTypeDefinition, ProcessBuildContext, StaticArtifact } from '../types.js';
import { buildHugoSite } from './build-hugo-site.js';
import { CONTAINER_PORT, hugoImageRecipe } from './hugo-image-recipe.js';
import { resolveHugo } from './resolve-hugo.js';
import { validateHugoExtra } from './validate-hugo-extra.js';

/** jobtype_extra.site_title (wrapper_properties.site_title is merged into it when job.yaml is read) */
const siteTitle = (ctx: BuildContext): string | undefined => {
  const title = ctx.manifest.jobtype_extra.site_title;
  return typeof title === 'string' ? title : undefined;
};

async function buildProcess(ctx: ProcessBuildContext): Promise<Omit<StaticArtifact, 'jobType' | 'jobTypeVersion' | 'jobDir'>> {
  const hugo = resolveHugo(ctx.setting('RACETRACK_HUGO'));
  ctx.reporter.phase('Building the site with hugo');
  const root = await buildHugoSite({
    siteDir: ctx.jobDir,
    cacheDir: ctx.cacheDir,
    siteTitle: siteTitle(ctx),
    run: (args, env) => ctx.run(hugo.executable, args, { what: 'hugo', readOnlyPaths: hugo.readOnlyPaths, env }),
    onOutput: (text) => ctx.reporter.output(text),
  });
  return { kind: 'static', root };
}

export const hugo: JobTypeDefinition = {
  validateExtra: validateHugoExtra,
  buildProcess,
  imageRecipe: (ctx) => hugoImageRecipe(ctx, siteTitle(ctx)),
  // on image targets the gateway fronts nginx: it trims the base URL and answers /health and /metrics itself, as it
  // does for the static site it serves on local
  proxy: () => ({ port: CONTAINER_PORT, mode: 'rewrite' }),
};
