// The image recipe of a job whose Dockerfile is its own (dockerfile, docker-proxy): the file at
// jobtype_extra.dockerfile_path, built with the job folder as its context, as `docker build` run there would.
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';
import { BadRequestError } from '../../core/errors.js';
import type { BuildContext, ImageRecipe } from '../types.js';
import { dockerfilePathOf } from './dockerfile-path.js';
import { readDockerfile } from './read-dockerfile.js';

const FIELD = 'jobtype_extra.dockerfile_path';

/** @param port where the job's server listens in its container */
export function jobDockerfileRecipe(ctx: BuildContext, port: number): ImageRecipe {
  const path = dockerfilePathOf(ctx.manifest.jobtype_extra);
  const text = readJobDockerfile(ctx.jobDir, path);
  // build_env and build secrets reach the build only as the build args the Dockerfile declares (ARG NAME)
  const { froms, baseImages, buildArgs, unexpanded } = readDockerfile(text, ctx.buildEnv);
  if (froms === 0) throw new BadRequestError(`${FIELD}: "${path}" has no FROM instruction: is it a Dockerfile?`);
  // every base is checked before the build (not another job's image): one that cannot be read cannot be checked
  if (unexpanded.length > 0) {
    throw new BadRequestError(`${FIELD}: "${path}" names a base as ${unexpanded[0]}: only $NAME and \${NAME} are expanded in FROM and COPY --from`);
  }
  return { dockerfile: text, files: {}, baseImages, buildArgs, jobDockerfile: { path, port } };
}

/** The Dockerfile's text; it must be a file in the job folder (a symlink may lead only within it). */
function readJobDockerfile(jobDir: string, path: string): string {
  let real: string;
  try {
    real = realpathSync(join(jobDir, path));
  } catch {
    throw new BadRequestError(`${FIELD}: "${path}" does not exist in the job folder`);
  }
  if (!real.startsWith(realpathSync(jobDir) + sep)) throw new BadRequestError(`${FIELD}: "${path}" leads outside the job folder`);
  if (!lstatSync(real).isFile()) throw new BadRequestError(`${FIELD}: "${path}" is not a file`);
  return readFileSync(real, 'utf8');
}
