// The dockerfile job type: the job's own Dockerfile is the image, and its server serves the wrapper contract
// (/live, /ready, /health, its endpoints) on port 7000 itself. Image targets only: there is no process to run locally.
import type { JobTypeDefinition } from '../types.js';
import { jobDockerfileRecipe } from './job-dockerfile-recipe.js';
import { dockerfilePathProblems } from './dockerfile-path.js';

/** where the job's server listens in its container (Racetrack's wrapper port) */
export const WRAPPER_PORT = 7000;
const KEYS = ['dockerfile_path'];

export const dockerfile: JobTypeDefinition = {
  validateExtra(extra) {
    const errors = Object.keys(extra).filter((k) => !KEYS.includes(k)).map((k) => `${k}: unknown field of the dockerfile job type (known: ${KEYS.join(', ')})`);
    return [...errors, ...dockerfilePathProblems(extra.dockerfile_path)];
  },
  imageRecipe: (ctx) => jobDockerfileRecipe(ctx, WRAPPER_PORT),
};
