// The one image builder every image target uses (docker runs its images; kubernetes pushes them to a registry):
// a job type's recipe becomes an image on the engine, reused when the content is the same, and a job's older
// images are pruned by retention.
import type { DockerEngine } from '../../deploy/docker/index.js';
import type { BuildContext, ImageArtifact, JobType } from '../../jobtypes/index.js';
import { RtError } from '../../core/errors.js';
import { logger } from '../../core/log.js';
import { buildImage } from './build-image.js';
import { pruneImages } from './prune-images.js';

const log = logger('rt:build:images');

export class ImageBuilder {
  /** @param retention images kept per job besides those a container uses */
  constructor(private readonly engine: DockerEngine, private readonly retention: number) {}

  async build(jobType: JobType, ctx: BuildContext): Promise<Omit<ImageArtifact, 'jobDir'>> {
    if (!jobType.imageRecipe) throw new RtError(`job type ${jobType.name} builds no images`);
    const recipe = await jobType.imageRecipe(ctx);
    const built = await buildImage(this.engine, recipe, ctx, jobType.name);
    if (!built.reused) {
      await pruneImages(this.engine.docker, ctx.manifest.name, this.engine.owner, this.retention).catch((e: Error) =>
        log.warn({ job: ctx.manifest.name, err: e.message }, 'image pruning failed'));
    }
    const proxy = jobType.proxy?.(ctx.manifest);
    return { kind: 'image', jobType: jobType.name, jobTypeVersion: jobType.version, image: built.image, port: built.port, ...(proxy ? { proxy } : {}) };
  }
}
