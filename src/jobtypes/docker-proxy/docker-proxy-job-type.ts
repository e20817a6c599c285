// The docker-proxy job type: the job's own Dockerfile runs any HTTP server, on jobtype_extra.user_module_port, that
// knows nothing of Racetrack. Racetrack runs a proxy container beside it; here the gateway itself maps the paths
// (proxy_mode) and answers /live, /ready, /health and /metrics for the job: one container per job.
import type { Manifest } from '../../manifest/index.js';
import type { JobTypeDefinition, ProxySpec } from '../types.js';
import { jobDockerfileRecipe } from '../dockerfile/job-dockerfile-recipe.js';
import { validateDockerProxyExtra } from './validate-docker-proxy-extra.js';

/** Racetrack's default port of the user's server */
export const DEFAULT_USER_MODULE_PORT = 7001;

function proxy(manifest: Manifest): ProxySpec {
  const extra = manifest.jobtype_extra;
  return {
    port: typeof extra.user_module_port === 'number' ? extra.user_module_port : DEFAULT_USER_MODULE_PORT,
    mode: extra.proxy_mode === 'rewrite' ? 'rewrite' : 'forward',
  };
}

export const dockerProxy: JobTypeDefinition = {
  validateExtra: validateDockerProxyExtra,
  // the container's one published port is the user's server: the gateway is its proxy
  imageRecipe: (ctx) => jobDockerfileRecipe(ctx, proxy(ctx.manifest).port),
  proxy,
};
