// Whether a Docker engine answers (DOCKER_HOST respected): the server registers the docker target, and tests run, only then.
import Docker from 'dockerode';

export async function dockerAvailable(docker = new Docker(), timeoutMs = 3000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([docker.ping().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
