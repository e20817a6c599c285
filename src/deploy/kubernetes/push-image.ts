// Puts a job's image (built on the engine by the shared image builder) in the registry the cluster pulls from, and
// names it by digest: what runs is exactly what was built, whatever later happens to the tag.
import type Docker from 'dockerode';
import { RtError } from '../../core/errors.js';
import { readJsonLines } from '../../core/read-json-lines.js';
import type { RegistryAuth } from './kube-settings.js';

/**
 * @param auth the registry's login, given to the engine with this push only (it keeps no credential)
 * @returns REGISTRY/REPOSITORY@sha256:…
 */
export async function pushImage(docker: Docker, localImage: string, registry: string, auth?: RegistryAuth): Promise<string> {
  const at = localImage.lastIndexOf(':');
  const [repository, tag] = at > localImage.lastIndexOf('/') ? [localImage.slice(0, at), localImage.slice(at + 1)] : [localImage, 'latest'];
  const remote = `${registry}/${repository}`;
  const fail = (why: string) => new RtError(`pushing image ${remote}:${tag} to ${registry} failed: ${explain(why.trim().split('\n')[0]!, auth)}`, { code: 'image_push_failed' });
  let digest: string | undefined;
  try {
    await docker.getImage(localImage).tag({ repo: remote, tag });
    // serveraddress is the registry's host[:port]: the engine sends the login to that host only
    const authconfig = auth && { username: auth.username, password: auth.password, serveraddress: registry.split('/')[0]! };
    const stream = await docker.getImage(`${remote}:${tag}`).push({ tag, ...(authconfig ? { authconfig } : {}) });
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

/** the engine's words for a registry wanting a login, and what to set about it */
const AUTH_REFUSED = /no basic auth credentials|unauthorized|authentication required|denied/i;

function explain(why: string, auth: RegistryAuth | undefined): string {
  if (!AUTH_REFUSED.test(why)) return why;
  return auth
    ? `the registry refused authentication as ${auth.username} (${why}): check RACETRACK_IMAGE_REGISTRY_USER and RACETRACK_IMAGE_REGISTRY_PASSWORD`
    : `the registry wants authentication (${why}): set RACETRACK_IMAGE_REGISTRY_USER and RACETRACK_IMAGE_REGISTRY_PASSWORD`;
}
