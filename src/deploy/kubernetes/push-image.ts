// Puts a job's image (built on the engine by the shared image builder) in the registry the cluster pulls from, and
// names it by digest: what runs is exactly what was built, whatever later happens to the tag.
import type Docker from 'dockerode';
import { RtError } from '../../core/errors.js';
import { readJsonLines } from '../../core/read-json-lines.js';

/** @returns REGISTRY/REPOSITORY@sha256:… */
export async function pushImage(docker: Docker, localImage: string, registry: string): Promise<string> {
  const at = localImage.lastIndexOf(':');
  const [repository, tag] = at > localImage.lastIndexOf('/') ? [localImage.slice(0, at), localImage.slice(at + 1)] : [localImage, 'latest'];
  const remote = `${registry}/${repository}`;
  const fail = (why: string) => new RtError(`pushing image ${remote}:${tag} to ${registry} failed: ${why.trim().split('\n')[0]}`, { code: 'image_push_failed' });
  let digest: string | undefined;
  try {
    await docker.getImage(localImage).tag({ repo: remote, tag });
    const stream = await docker.getImage(`${remote}:${tag}`).push({ tag });
    for await (const event of readJsonLines(stream)) {
      if (event.error) throw fail(String(event.error));
      const aux = event.aux as { Digest?: string } | undefined;
      if (aux?.Digest) digest = aux.Digest;
    }
  } catch (e) {
    throw e instanceof RtError ? e : fail((e as Error).message);
  }
  if (!digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) throw fail('the registry answered no digest');
  return `${remote}@${digest}`;
}
