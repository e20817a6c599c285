// Image retention: keeps a job's newest images (and any a container still uses), removes the older ones. A job's images
// are those in its repository labelled with its exact name and this server, so pruning never touches another job's
// images, nor another server's.
import type Docker from 'dockerode';
import { logger } from '../../core/log.js';
import { resourceName } from '../../manifest/index.js';
import { LABEL } from '../../deploy/docker/index.js';
import { IMAGE_REPOSITORY_PREFIX } from './build-image.js';

const log = logger('rt:build:images');

export async function pruneImages(docker: Docker, jobName: string, owner: string, keep: number): Promise<void> {
  const images = await docker.listImages({
    filters: { reference: [`${IMAGE_REPOSITORY_PREFIX}${resourceName(jobName)}`], label: [`${LABEL.job}=${jobName}`, `${LABEL.owner}=${owner}`] },
  });
  const old = images.sort((a, b) => b.Created - a.Created).slice(keep);
  for (const image of old) {
    try {
      await docker.getImage(image.Id).remove();
      log.info({ job: jobName, image: image.RepoTags?.[0] ?? image.Id }, 'pruned an old image');
    } catch (e) {
      // 409: a container (running or stopped) still uses it; it goes in a later prune
      if ((e as { statusCode?: number }).statusCode !== 409) log.warn({ job: jobName, image: image.Id, err: (e as Error).message }, 'could not prune an image');
    }
  }
}
